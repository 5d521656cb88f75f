// <chime-comments>: the only script an article loads up front. It renders
// into a shadow root and fetches the WebAssembly widget only when the element
// comes near the viewport. See docs/EMBED.md.
const base = new URL(".", import.meta.url);
let widget;

function load() {
  widget ??= import(new URL("chime-widget.js", base).href).then(async (m) => {
    await m.default({ module_or_path: new URL("chime-widget_bg.wasm", base) });
    return m;
  });
  return widget;
}

function say(el, text) {
  el.textContent = "";
  const p = document.createElement("p");
  p.className = "chime-fallback";
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
    mount.className = "chime-mount";
    say(mount, "Loading comments…");
    root.append(css, mount);
    const start = () => this.#start(mount);
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
    const fail = (message) => {
      say(mount, message);
      this.dispatchEvent(new CustomEvent("chime:error", {
        bubbles: true, composed: true, detail: { code: "unavailable", message },
      }));
    };
    if (typeof WebAssembly !== "object") {
      return fail("Comments need a browser that can run WebAssembly.");
    }
    try {
      const m = await load();
      mount.textContent = "";
      this.#token = m.mount(
        mount,
        this,
        this.getAttribute("article") || "",
        this.getAttribute("api") || base.origin,
        this.getAttribute("sort") || "newest",
        this.getAttribute("theme") || "auto",
        this.getAttribute("lang") || document.documentElement.lang || "",
      );
    } catch (e) {
      fail("Comments could not be loaded right now.");
    }
  }
}

if (!customElements.get("chime-comments")) {
  customElements.define("chime-comments", ChimeComments);
}
