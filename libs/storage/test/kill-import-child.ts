// Child process for the SIGKILL test: imports a file and reports each progress step on stdout.
import { importDataset, openDatabase } from "../src/index.ts";

const [dbPath, file] = process.argv.slice(2);
const store = openDatabase(dbPath!);
await importDataset(store, file!, {
  onProgress: (p) => process.stdout.write(`${p.phase} ${p.rows}\n`),
});
process.stdout.write("finished\n");
store.close();
