import { fileURLToPath } from "node:url";

/** `<repo>/../shared/fixtures/weights/`: CI clones the repo with shared/ beside it. */
export const WEIGHTS_FIXTURES = fileURLToPath(new URL("../../../../../shared/fixtures/weights/", import.meta.url));
