import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

// The gateway serves dist/index.html at `/` and dist/assets/* at `/assets/*`, under a
// Content-Security-Policy that allows only this origin's scripts and styles: no inline code.
export default defineConfig({
  plugins: [react()],
  base: "/",
  build: {
    outDir: "dist",
    emptyOutDir: true,
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
  },
});
