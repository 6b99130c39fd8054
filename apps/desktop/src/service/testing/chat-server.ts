/**
 * A chat-completions server on 127.0.0.1 for tests: it speaks the OpenAI wire format (POST
 * /v1/chat/completions with a Bearer key, JSON `choices[0].message.content`), and each test scripts
 * its answers. Test support only; nothing in the product imports it.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface ChatRequest {
  model: string;
  system: string;
  user: string;
  authorization: string | undefined;
}

/** A scripted reply: the content to answer with, or a raw HTTP status/body/headers, or a delay first. */
export type ChatReply = string | { status: number; body?: string; headers?: Record<string, string> } | { delayMs: number; then: ChatReply };

export interface TestChatServer {
  baseUrl: string;
  requests: ChatRequest[];
  close(): Promise<void>;
}

function chatBody(content: string, model: string): string {
  return JSON.stringify({
    id: "chatcmpl-test",
    object: "chat.completion",
    model,
    choices: [{ index: 0, message: { role: "assistant", content }, finish_reason: "stop" }],
    usage: { prompt_tokens: 10, completion_tokens: 1, total_tokens: 11 },
  });
}

export async function startChatServer(reply: (req: ChatRequest, n: number) => ChatReply): Promise<TestChatServer> {
  const requests: ChatRequest[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const send = (res: ServerResponse, r: ChatReply, model: string): void => {
    if (typeof r === "string") {
      res.writeHead(200, { "content-type": "application/json" }).end(chatBody(r, model));
    } else if ("delayMs" in r) {
      const t = setTimeout(() => {
        timers.delete(t);
        if (!res.destroyed) send(res, r.then, model);
      }, r.delayMs);
      timers.add(t);
    } else {
      res
        .writeHead(r.status, { "content-type": "application/json", ...r.headers })
        .end(r.body ?? JSON.stringify({ error: { message: `status ${r.status}` } }));
    }
  };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let data = "";
    req.on("data", (chunk: Buffer) => (data += chunk.toString("utf8")));
    req.on("end", () => {
      if (req.method !== "POST" || req.url !== "/v1/chat/completions") {
        res.writeHead(404).end();
        return;
      }
      const body = JSON.parse(data) as { model: string; messages: { role: string; content: string }[] };
      const request: ChatRequest = {
        model: body.model,
        system: body.messages.find((m) => m.role === "system")?.content ?? "",
        user: body.messages.find((m) => m.role === "user")?.content ?? "",
        authorization: req.headers.authorization,
      };
      requests.push(request);
      send(res, reply(request, requests.length), body.model);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        for (const t of timers) clearTimeout(t);
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The prompt and the two responses, in the order shown, from a user message rendered by the judge's templates. */
export function shownPair(user: string): { prompt: string; first: string; second: string } {
  const m = /^Prompt:\n([\s\S]*?)\n\nResponse 1:\n([\s\S]*?)\n\nResponse 2:\n([\s\S]*?)\n\nWhich response/.exec(user);
  if (!m) throw new Error("test chat server: the user message is not in the judge template's layout");
  return { prompt: m[1]!, first: m[2]!, second: m[3]! };
}
