/**
 * Browser mode: the LabApi over HTTP on 127.0.0.1 serving the renderer. The server lands with the
 * application-service issue; until then this says what it will do and exits cleanly.
 */
export async function startBrowserMode(): Promise<number> {
  console.log("Browser mode is not built yet: the localhost server arrives with the application service.");
  console.log("Meanwhile the CLI works: run `npx goodhart --help`.");
  return 0;
}
