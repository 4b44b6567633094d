import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

// The gateway serves the built files at / on the API's origin; `npm run dev` proxies the API to `make dev`'s gateway.
const api = ["/auth", "/users", "/campaigns", "/ideas", "/invitations:accept", "/coins:verify", "/notifications",
  "/search/ideas"];

export default defineConfig({
  plugins: [react()],
  build: { outDir: "dist", sourcemap: false, chunkSizeWarningLimit: 600 },
  server: { proxy: Object.fromEntries(api.map((prefix) => [prefix, "http://localhost:8080"])) },
});
