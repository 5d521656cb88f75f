// The demo page's "More from the Ledger" teasers: comment counts for several
// articles in one request to /counts.
const teasers = [...document.querySelectorAll("[data-count-for]")];
if (teasers.length) {
  const query = teasers.map((t) => "article=" + encodeURIComponent(t.dataset.countFor)).join("&");
  fetch("/api/v1/counts?" + query)
    .then((r) => (r.ok ? r.json() : Promise.reject(r.status)))
    .then(({ counts }) => {
      for (const t of teasers) {
        const n = counts[t.dataset.countFor] ?? 0;
        t.textContent = n === 1 ? "1 comment" : `${n} comments`;
      }
    })
    .catch(() => teasers.forEach((t) => (t.textContent = "")));
}
