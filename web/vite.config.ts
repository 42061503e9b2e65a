// Builds the workspace into the Python package (src/truceline/web/static), where
// `truceline serve` finds it. Everything the page needs is bundled: no CDN at run time.
import { defineConfig } from "vite";

export default defineConfig({
  base: "/",
  build: {
    outDir: "../src/truceline/web/static",
    emptyOutDir: true,
    assetsDir: "assets",
    sourcemap: false,
    chunkSizeWarningLimit: 1500,
    target: "es2022",
    rollupOptions: {
      output: {
        // MapLibre in a chunk of its own: it changes less often than the workspace's code.
        manualChunks: (id: string) => (id.includes("node_modules/maplibre-gl") ? "maplibre" : undefined),
      },
    },
  },
  server: {
    proxy: { "/api": "http://127.0.0.1:8000", "/config.json": "http://127.0.0.1:8000" },
  },
});
