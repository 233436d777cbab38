import adapterNode from "@sveltejs/adapter-node";
import adapterSst from "svelte-kit-sst";
import { vitePreprocess } from "@sveltejs/vite-plugin-svelte";

// `sst deploy` builds with SST set and gets the Lambda adapter; the local stack runs adapter-node.
const adapter = process.env.SST ? adapterSst() : adapterNode({ out: "build" });

/** @type {import('@sveltejs/kit').Config} */
export default {
  preprocess: vitePreprocess(),
  kit: {
    adapter,
    typescript: {
      // The site reads SST resources through core/; their types live at the repository root.
      config: (config) => ({ ...config, include: [...config.include, "../../sst-env.d.ts"] }),
    },
  },
};
