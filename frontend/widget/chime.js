// <chime-comments>: the only script an article loads up front. It renders
// into a shadow root and fetches the WebAssembly widget only when the element
// comes near the viewport. See docs/EMBED.md.
const base = new URL(".", import.meta.url);
// The locales with a file in locales/widget/ and locales/moderation/
// (English is in the WebAssembly). The moderation page imports these.
export const LOCALES = ["ar", "de", "es", "fr", "he", "hi", "it", "ja", "ko", "nl", "pl", "pt-BR", "ru", "tr", "uk", "zh-CN"];
// This file's own words in English; the locale files have them too.
const EN = {"LoaderLoading": "Loading comments…", "LoaderNoWasm": "Comments need a browser that can run WebAssembly.", "LoaderFailed": "Comments could not be loaded right now."};
let widget;

function load() {
  widget ??= import(new URL("chime-widget.js", base).href).then(async (m) => {
    await m.default({ module_or_path: new URL("chime-widget_bg.wasm", base) });
    return m;
  });
  return widget;
}

// `tag` as Intl takes it ("fr_FR" is "fr-FR"); undefined if it is no tag.
export function canonical(tag) {
  try {
    return Intl.getCanonicalLocales(tag.trim().replace(/_/g, "-"))[0];
  } catch {
    return undefined;
  }
}

// The locale file for `tag`: its own, else its language's ("pt" and "pt-PT"
// read pt-BR); none for English, or for a language without one.
export function nearest(tag) {
  const t = tag.toLowerCase(), language = t.split("-")[0];
  if (language === "en") return null;
  return LOCALES.find((l) => l.toLowerCase() === t) || LOCALES.find((l) => l.split("-")[0] === language);
}

// The words of `kind` (widget, moderation): the locale's file with the
// site's own laid over it (texts, and counts' forms as texts: nothing
// else); null (English) when there are none or neither arrives within five
// seconds.
export async function words(kind, file, own) {
  const get = async (url) => {
    try {
      const r = await fetch(new URL(url, document.baseURI), { signal: AbortSignal.timeout?.(5000) });
      return r.ok ? await r.json() : undefined;
    } catch {
      return undefined;
    }
  };
  const [builtin, site] = await Promise.all([file && get(new URL(`locales/${kind}/${file}.json`, base)), own && get(own)]);
  const table = { ...builtin };
  for (const [key, value] of Object.entries(site || {})) {
    const text = (v) => typeof v === "string";
    if (text(value) || (value && typeof value === "object" && Object.values(value).every(text))) table[key] = value;
  }
  return builtin || site ? table : null;
}

function say(el, text, lang) {
  el.textContent = "";
  const p = document.createElement("p");
  p.className = "chime-fallback";
  p.dir = "auto";
  p.lang = lang;
  p.textContent = text;
  el.append(p);
}

class ChimeComments extends HTMLElement {
  static observedAttributes = ["sso-token"];
  // The widget's own: called with the new token when the page signs its
  // reader in or out.
  #token;

  attributeChangedCallback(name, old, value) {
    if (old !== value) this.#token?.(value);
  }

  connectedCallback() {
    if (this.shadowRoot) return;
    const root = this.attachShadow({ mode: "open" });
    const css = document.createElement("link");
    css.rel = "stylesheet";
    css.href = new URL("chime.css", base).href;
    const mount = document.createElement("div");
    mount.className = `chime-mount theme-${this.getAttribute("theme") || "auto"}`;
    mount.setAttribute("aria-busy", "true");
    root.append(css, mount);
    const start = () => this.#start(mount).catch(() => say(mount, EN.LoaderFailed, "en"));
    if (!("IntersectionObserver" in window)) return start();
    const io = new IntersectionObserver((entries) => {
      if (entries.some((e) => e.isIntersecting)) {
        io.disconnect();
        start();
      }
    }, { rootMargin: "800px 0px" });
    io.observe(this);
  }

  async #start(mount) {
    const lang = this.getAttribute("lang") || document.documentElement.lang || "";
    const asked = canonical(this.getAttribute("locale") || lang || "en") || "en";
    const wasm = typeof WebAssembly === "object";
    const module = wasm ? load() : null;
    module?.catch(() => {});
    const table = await words("widget", nearest(asked), this.getAttribute("messages"));
    const locale = table || /^en(-|$)/i.test(asked) ? asked : "en";
    const t = (key) => (typeof table?.[key] === "string" && table[key]) || EN[key];
    const fail = (message) => {
      say(mount, message, locale);
      mount.removeAttribute("aria-busy");
      this.dispatchEvent(new CustomEvent("chime:error", {
        bubbles: true, composed: true, detail: { code: "unavailable", message },
      }));
    };
    if (!wasm) return fail(t("LoaderNoWasm"));
    say(mount, t("LoaderLoading"), locale);
    try {
      const m = await module;
      mount.textContent = "";
      mount.removeAttribute("aria-busy");
      this.#token = m.mount(
        mount,
        this,
        this.getAttribute("article") || "",
        this.getAttribute("api") || base.origin,
        this.getAttribute("sort") || "newest",
        this.getAttribute("theme") || "auto",
        lang,
        locale,
        table,
      );
    } catch (e) {
      fail(t("LoaderFailed"));
    }
  }
}

if (!customElements.get("chime-comments")) {
  customElements.define("chime-comments", ChimeComments);
}
