// Initialise the NHS.UK frontend components. A file, not an inline script, so the
// Content-Security-Policy can forbid inline scripts.
import { initAll } from "../nhsuk/nhsuk-frontend.min.js";

initAll();
