// Loads the moderation view's own WebAssembly bundle (never the reader's),
// in the moderator's language: the one they chose in the view (`?lang=`,
// and kept in this browser), else the first of the browser's that Chime
// speaks, else English. Its words come as the widget's do (chime.js: the
// same list and files); without chime.js the view still loads, in English.

// This file's own words in English; the locale files have them too.
const EN = {"ModLoading": "Loading the moderation view…", "ModLoaderFailed": "The moderation view could not be loaded. Reload the page to try again."};
const root = document.getElementById("chime-moderate");
const module = import("/moderate/assets/chime-moderate.js");
module.catch(() => {});
const shared = await import("/widget/chime.js").catch(() => null);
let kept = null;
try {
  kept = localStorage.getItem("chime.moderation.locale");
} catch {}
const english = (tag) => /^en(-|$)/i.test(tag);
let locale = "en", table = null, offered = ["en"];
if (shared?.words) {
  const { LOCALES, canonical, nearest, words } = shared;
  const wanted = [new URLSearchParams(location.search).get("lang"), kept, ...(navigator.languages || [navigator.language])];
  const asked = wanted.map((tag) => tag && canonical(tag)).filter(Boolean);
  const pick = asked.find((tag) => english(tag) || nearest(tag)) || "en";
  table = await words("moderation", nearest(pick));
  locale = table || english(pick) ? pick : "en";
  offered = ["en", ...LOCALES];
}
const t = (key) => (typeof table?.[key] === "string" && table[key]) || EN[key];
document.documentElement.lang = locale;
const info = (() => {
  try {
    const l = new Intl.Locale(locale);
    return l.getTextInfo?.() || l.textInfo;
  } catch {
    return undefined;
  }
})();
if (info?.direction) document.documentElement.dir = info.direction;
root.textContent = t("ModLoading");
try {
  const m = await module;
  await m.default({ module_or_path: "/moderate/assets/chime-moderate_bg.wasm" });
  root.textContent = "";
  m.mount(root, locale, table, offered);
} catch (e) {
  root.textContent = t("ModLoaderFailed");
}
