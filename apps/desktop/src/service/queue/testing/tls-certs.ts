/**
 * Test helper: throwaway certificates made with the openssl command at test time (nothing secret is
 * committed): a CA, a server certificate for 127.0.0.1 signed by it, and a second CA that signed
 * nothing the server holds. Tests skip, with the reason, where openssl is missing.
 */
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import path from "node:path";

/** Why the TLS tests cannot run here, or null when they can. */
export function opensslUnavailable(): string | null {
  const found = spawnSync("openssl", ["version"], { encoding: "utf8" });
  return found.error || found.status !== 0 ? "the openssl command is not installed (Debian: apt-get install openssl)" : null;
}

function openssl(args: string[]): void {
  const r = spawnSync("openssl", args, { encoding: "utf8" });
  if (r.error || r.status !== 0) throw new Error(`openssl ${args.join(" ")} failed: ${r.error?.message ?? r.stderr}`);
}

/** A self-signed CA certificate and key in `dir`, named `<name>.pem` and `<name>.key`. */
function makeCa(dir: string, name: string): { cert: string; key: string } {
  const cert = path.join(dir, `${name}.pem`);
  const key = path.join(dir, `${name}.key`);
  // EC keys: generated in milliseconds, where RSA takes seconds on a loaded machine.
  openssl(
    ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"].concat([
      "-keyout",
      key,
      "-out",
      cert,
      "-days",
      "2",
      "-subj",
      `/CN=goodhart test ${name}`,
    ]),
  );
  return { cert, key };
}

export interface TestCertificates {
  /** The CA that signed the server's certificate. */
  ca: string;
  /** A CA that signed nothing the server holds. */
  otherCa: string;
  serverCert: string;
  serverKey: string;
}

export function makeTestCertificates(dir: string): TestCertificates {
  const ca = makeCa(dir, "ca");
  const other = makeCa(dir, "other-ca");
  const serverKey = path.join(dir, "server.key");
  const csr = path.join(dir, "server.csr");
  const serverCert = path.join(dir, "server.pem");
  const ext = path.join(dir, "server.ext");
  // Node checks the address it dialled against the certificate's subjectAltName, not its CN.
  writeFileSync(ext, "subjectAltName=IP:127.0.0.1\n");
  openssl(
    ["req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"].concat([
      "-keyout",
      serverKey,
      "-out",
      csr,
      "-subj",
      "/CN=127.0.0.1",
    ]),
  );
  openssl([
    "x509",
    "-req",
    "-in",
    csr,
    "-CA",
    ca.cert,
    "-CAkey",
    ca.key,
    "-CAcreateserial",
    "-out",
    serverCert,
    "-days",
    "2",
    "-extfile",
    ext,
  ]);
  return { ca: ca.cert, otherCa: other.cert, serverCert, serverKey };
}
