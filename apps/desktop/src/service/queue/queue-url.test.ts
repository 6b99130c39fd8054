import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { QueueUrlError, connectionOf, parseQueueUrl, publicQueueUrl, redactQueueUrl } from "./queue-url.ts";
import { describeQueueError } from "./connect.ts";

describe("queue URLs", () => {
  it("parses redis:// and rediss:// with credentials, database and default port; labels carry host:port only", () => {
    const a = parseQueueUrl("rediss://lab:p%40ss@pool.example:6380/2", undefined);
    expect(a).toEqual({
      host: "pool.example",
      port: 6380,
      db: 2,
      username: "lab",
      password: "p@ss",
      tls: true,
      label: "pool.example:6380",
    });
    expect(connectionOf(a)).toEqual({ host: "pool.example", port: 6380, db: 2, username: "lab", password: "p@ss", tls: {} });
    expect(publicQueueUrl(a)).toBe("rediss://pool.example:6380/2");
    const b = parseQueueUrl("redis://10.0.0.5", undefined);
    expect(b).toMatchObject({ host: "10.0.0.5", port: 6379, db: 0, tls: false, label: "10.0.0.5:6379" });
    expect(b.password).toBeUndefined();
  });

  it("takes the password from GOODHART_QUEUE_PASSWORD when the URL has none (the URL's wins)", () => {
    expect(parseQueueUrl("redis://h:1", "from-env").password).toBe("from-env");
    expect(parseQueueUrl("redis://:in-url@h:1", "from-env").password).toBe("in-url");
  });

  it("reads GOODHART_QUEUE_TLS_CA's PEM for rediss:// (into the driver's tls.ca), ignores it for redis://, names a bad file", () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "goodhart-queue-url-"));
    try {
      const ca = path.join(dir, "ca.pem");
      const pem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
      writeFileSync(ca, pem);
      const a = parseQueueUrl("rediss://h:1", undefined, ca);
      expect(a.tlsCa).toBe(pem);
      expect(connectionOf(a).tls).toEqual({ ca: pem });
      expect(parseQueueUrl("redis://h:1", undefined, ca).tlsCa).toBeUndefined();
      expect(() => parseQueueUrl("rediss://h:1", undefined, path.join(dir, "none.pem"))).toThrow(
        /^GOODHART_QUEUE_TLS_CA: cannot read the CA certificate file .*none\.pem \(ENOENT\)/,
      );
      writeFileSync(path.join(dir, "key.pem"), "-----BEGIN PRIVATE KEY-----\n");
      expect(() => parseQueueUrl("rediss://h:1", undefined, path.join(dir, "key.pem"))).toThrow(QueueUrlError);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    expect(describeQueueError(new Error("self-signed certificate in certificate chain"), "h:1")).toMatch(
      /^the queue at h:1 presented a TLS certificate this side does not trust .*GOODHART_QUEUE_TLS_CA/,
    );
  });

  it("refuses other schemes and bad databases without echoing the password", () => {
    expect(() => parseQueueUrl("http://h:1", undefined)).toThrow(QueueUrlError);
    expect(() => parseQueueUrl("http://h:1", undefined)).toThrow(/must start with redis:\/\/ or rediss:\/\//);
    expect(() => parseQueueUrl("redis://h:1/x", undefined)).toThrow(/database must be a number/);
    expect(() => parseQueueUrl("redis://:hunter2@", undefined)).toThrow(/not a URL|no host/);
    expect(() => parseQueueUrl("not a url :hunter2@", undefined)).toThrow(/^the queue address is not a URL; expected redis:\/\/host:port/);
  });

  it("redacts credentials from any text and explains Redis errors", () => {
    expect(redactQueueUrl("failed at redis://u:hunter2@h:1 and rediss://:x@h2")).toBe("failed at redis://h:1 and rediss://h2");
    expect(describeQueueError(new Error("WRONGPASS invalid username-password pair or user is disabled."), "h:1")).toMatch(
      /^the queue at h:1 refused the password/,
    );
    expect(describeQueueError(new Error("NOAUTH Authentication required."), "h:1")).toMatch(/requires a password \(NOAUTH\)/);
    expect(describeQueueError(new Error("connect ECONNREFUSED 127.0.0.1:1"), "h:1")).toMatch(/no Redis server answers at h:1/);
  });
});
