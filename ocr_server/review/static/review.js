// Keyboard-first review: Enter accepts or saves, Tab/Shift+Tab move, Ctrl+Enter finishes.
(function () {
  "use strict";
  const root = document.querySelector(".review");
  if (!root) return;
  const dossier = root.dataset.dossier;
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  const sizes = JSON.parse(document.getElementById("page-sizes").textContent);
  const rows = Array.from(document.querySelectorAll(".field"));
  const banner = document.getElementById("banner");
  const pageImage = document.getElementById("page-image");
  const highlight = document.getElementById("highlight");
  const caption = document.getElementById("page-caption");
  let shownPage = null;
  let busy = false;

  const inputOf = (row) => row.querySelector("input, textarea");
  const rowOf = (el) => el && el.closest ? el.closest(".field") : null;

  async function post(url, body) {
    const response = await fetch(url, {
      method: "POST",
      headers: {"Content-Type": "application/json", "X-CSRF-Token": csrf, "Accept": "application/json"},
      body: JSON.stringify(body || {}),
      credentials: "same-origin",
    });
    let data = {};
    try { data = await response.json(); } catch (e) { /* empty body */ }
    return {ok: response.ok, status: response.status, data};
  }

  function showBanner(text) {
    banner.textContent = text;
    banner.hidden = !text;
  }

  function showField(row) {
    const page = row.dataset.page;
    if (page === "") { highlight.hidden = true; return; }
    if (shownPage !== page) {
      pageImage.src = `/review/dossiers/${dossier}/pages/${page}/preview.jpg`;
      shownPage = page;
    }
    caption.textContent = `Trang ${Number(page) + 1} · ${row.querySelector("label").textContent}`;
    const size = sizes.find((s) => String(s.index) === page);
    const box = row.dataset.bbox ? row.dataset.bbox.split(",").map(Number) : null;
    if (!size || !box) { highlight.hidden = true; return; }
    const pad = 0.004;
    highlight.style.left = `${(box[0] / size.width - pad) * 100}%`;
    highlight.style.top = `${(box[1] / size.height - pad) * 100}%`;
    highlight.style.width = `${((box[2] - box[0]) / size.width + 2 * pad) * 100}%`;
    highlight.style.height = `${((box[3] - box[1]) / size.height + 2 * pad) * 100}%`;
    highlight.hidden = false;
    pageImage.onload = () => highlight.scrollIntoView({block: "center", behavior: "instant"});
    if (pageImage.complete) highlight.scrollIntoView({block: "center", behavior: "instant"});
  }

  function nextPending(after) {
    const start = rows.indexOf(after);
    const order = rows.slice(start + 1).concat(rows.slice(0, start));
    return order.find((r) => r.classList.contains("pending") && !r.classList.contains("done"));
  }

  function focusRow(row) {
    const input = inputOf(row);
    input.focus();
    input.select();
  }

  async function save(row) {
    const input = inputOf(row);
    const changed = input.value !== input.defaultValue;
    const result = await post(`/review/dossiers/${dossier}/fields/${row.dataset.field}`,
                              {value: changed ? input.value : null});
    const message = row.querySelector(".message");
    if (!result.ok) {
      row.classList.add("invalid");
      message.textContent = result.data.detail || `Lỗi ${result.status}`;
      message.setAttribute("role", "alert");
      if (result.status !== 422) showBanner(result.data.detail || `Lỗi ${result.status}`);
      return false;
    }
    row.classList.remove("invalid", "pending", "status-needs_review", "status-missing");
    row.classList.add("done", `status-${result.data.status}`);
    row.querySelector(".status").textContent = result.data.status_text;
    message.textContent = (result.data.messages || []).join("; ");
    message.removeAttribute("role");
    input.value = result.data.value;
    input.defaultValue = result.data.value;
    document.getElementById("waiting").textContent = result.data.waiting;
    showBanner("");
    return true;
  }

  async function finish() {
    if (busy) return;
    busy = true;
    try {
      const row = rowOf(document.activeElement);
      if (row) {
        const input = inputOf(row);
        if (input.value !== input.defaultValue && !(await save(row))) return;
      }
      const result = await post(`/review/dossiers/${dossier}/finish`);
      if (result.ok) {
        window.location.assign(result.data.next || "/review");
      } else {
        showBanner(result.data.detail || `Lỗi ${result.status}`);
        const waiting = rows.find((r) => r.classList.contains("pending") && !r.classList.contains("done"));
        if (waiting) focusRow(waiting);
      }
    } finally {
      busy = false;
    }
  }

  rows.forEach((row) => {
    const input = inputOf(row);
    input.addEventListener("focus", () => showField(row));
    input.addEventListener("keydown", async (event) => {
      if (event.key !== "Enter" || event.ctrlKey || event.metaKey || event.shiftKey) return;
      event.preventDefault();
      if (busy) return;
      busy = true;
      try {
        if (await save(row)) {
          const next = nextPending(row);
          if (next) focusRow(next); else document.getElementById("finish").focus();
        }
      } finally {
        busy = false;
      }
    });
    const crop = row.querySelector(".crop img");
    if (crop) crop.addEventListener("click", () => focusRow(row));
  });

  document.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      finish();
    }
  });
  document.getElementById("finish").addEventListener("click", finish);

  const first = rows.find((r) => r.classList.contains("pending")) || rows[0];
  if (first) focusRow(first);
})();
