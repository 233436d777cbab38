import adapterNode from "@sveltejs/adapter-node";
import adapterSst from "svelte-kit-sst";
import { vitePreprocess } from "@sveltejs/vite-plugin-svelte";

// The local stack's build folder: `npm test` builds into its own (TAKES_SITE_BUILD=build-test), so
// it never pulls a running `npm start`'s site out from under it.
const build = process.env.TAKES_SITE_BUILD ?? "build";

// `sst deploy` builds with SST set and gets the Lambda adapter; the local stack runs adapter-node.
const adapter = process.env.SST ? adapterSst() : adapterNode({ out: build });

/** @type {import('@sveltejs/kit').Config} */
export default {
  preprocess: vitePreprocess(),
  kit: {
    adapter,
    outDir: build === "build" ? ".svelte-kit" : `.svelte-kit-${build}`,
    // The domain lives in the repository's core/, shared with the API's handlers. An alias (not
    // a relative path) keeps its types intact in the route proxies svelte-kit generates.
    alias: { $core: "../core" },
    // Content-Security-Policy: only this origin's scripts, styles, requests and forms.
    // "auto" hashes SvelteKit's inline hydration script on prerendered pages and gives it a nonce
    // on the rest. `style:` directives render style="" attributes, hence style-src-attr's
    // 'unsafe-inline' (attributes only; <style> and stylesheets stay 'self'). The media bucket's
    // origin differs per environment, so hooks.server.ts appends it to img-src and media-src.
    csp: {
      mode: "auto",
      directives: {
        "default-src": ["self"],
        "script-src": ["self"],
        "style-src": ["self"],
        "style-src-attr": ["unsafe-inline"],
        "img-src": ["self", "data:", "blob:"],
        "media-src": ["self", "data:", "blob:"],
        "connect-src": ["self"],
        "font-src": ["self"],
        "frame-ancestors": ["none"],
        "form-action": ["self"],
        "base-uri": ["self"],
        "object-src": ["none"],
      },
    },
    typescript: {
      // The site reads SST resources through core/; their types live at the repository root.
      config: (config) => ({ ...config, include: [...config.include, "../../sst-env.d.ts"] }),
    },
  },
};
