import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { App } from "./App";
import { takeSsoCallback } from "./pages/sso-login";
import "./styles.css";

const root = document.getElementById("root");
if (root) {
  const ssoCallback = takeSsoCallback();
  createRoot(root).render(
    <StrictMode>
      <App ssoCallback={ssoCallback} />
    </StrictMode>,
  );
}
