// count.js: fills each [data-chime-count="article-id"] on a page (a list of
// headlines, a home page) with that article's comment count, "12 comments"
// in the page's language, in one request to the server that served it.
// See docs/EMBED.md, "Comment counts".
const base = new URL(".", import.meta.url);
// The widget's English (frontend/src/i18n/widget.rs, CommentCount).
const EN = {"one": "{count} comment", "other": "{count} comments"};
// API.md: /counts takes at most this many articles at once; a request line
// is kept under 6 KB too (nginx and CDNs refuse longer ones).
const MAX = 200;
const LONGEST = 6000;
// What the server takes as an article id (one bad id would fail the
// request for all the others).
const usable = (id) => id && id === id.trim() && id.length <= 200 && !/[\u0000-\u001f\u007f]/.test(id);

// The count's forms and the tag to count in: the page's language, with the
// widget's locale file when it has one (fetched through chime.js, which
// article pages load anyway).
async function speech() {
  const asked = document.documentElement.lang || "en";
  if (/^en(-|$)/i.test(asked)) return [asked, EN];
  try {
    const m = await import(new URL("chime.js", base).href);
    const tag = m.canonical(asked);
    const table = tag && (await m.words("widget", m.nearest(tag)));
    if (table?.CommentCount) return [tag, table.CommentCount];
  } catch {}
  return ["en", EN];
}

// Fills the page's counts; a site that adds headlines later calls it again.
export async function fill() {
  const els = [...document.querySelectorAll("[data-chime-count]")];
  const ids = [...new Set(els.map((el) => el.getAttribute("data-chime-count")).filter(usable))];
  if (!ids.length) return;
  const counts = Object.create(null);
  const asked = [];
  const ask = (batch) => asked.push(fetch(new URL(`/api/v1/counts?${batch.join("&")}`, base)).then((r) => (r.ok ? r.json() : {})).then((r) => Object.assign(counts, r.counts)).catch(() => {}));
  let batch = [], length = 0;
  for (const id of ids) {
    const part = `article=${encodeURIComponent(id)}`;
    if (batch.length === MAX || length + part.length > LONGEST) {
      ask(batch);
      [batch, length] = [[], 0];
    }
    batch.push(part);
    length += part.length + 1;
  }
  ask(batch);
  const [[tag, forms]] = await Promise.all([speech(), ...asked]);
  let plural, number;
  try {
    [plural, number] = [new Intl.PluralRules(tag), new Intl.NumberFormat(tag)];
  } catch {
    [plural, number] = [new Intl.PluralRules("en"), new Intl.NumberFormat("en")];
  }
  for (const el of els) {
    const n = counts[el.getAttribute("data-chime-count")];
    if (typeof n !== "number") continue;
    const form = typeof forms === "string" ? forms : forms[plural.select(n)] || forms.other || EN.other;
    el.textContent = form.replace("{count}", number.format(n));
  }
}

fill();
