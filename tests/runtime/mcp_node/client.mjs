// The TypeScript MCP SDK as a client: connects the way a client config says, lists the
// tools, makes the calls asked for, and prints what it saw as JSON on stdout.
//
//   node client.mjs '{"entry": {...one server of a client config...}, "calls": [{"name", "arguments"}]}'
//
// `entry` is one server of a Claude Desktop / Cursor (`mcpServers`) or VS Code (`servers`)
// config: `command`/`args`/`env` for stdio, `url`/`headers` for streamable HTTP.
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";

const request = JSON.parse(process.argv[2]);
const entry = request.entry;

function transportFor(entry) {
  if (entry.url) {
    return new StreamableHTTPClientTransport(new URL(entry.url), {
      requestInit: { headers: entry.headers ?? {} },
    });
  }
  return new StdioClientTransport({
    command: entry.command,
    args: entry.args ?? [],
    env: { ...process.env, ...(entry.env ?? {}) },
    stderr: "pipe",
  });
}

const client = new Client({ name: "orchestrix-tests", version: "1.0.0" });
const out = { tools: [], server: null, calls: [] };
try {
  await client.connect(transportFor(entry));
  out.server = client.getServerVersion() ?? null;
  out.tools = (await client.listTools()).tools;
  for (const call of request.calls ?? []) {
    try {
      const result = await client.callTool({ name: call.name, arguments: call.arguments ?? {} });
      out.calls.push({ ok: true, result });
    } catch (error) {
      out.calls.push({ ok: false, error: String(error?.message ?? error) });
    }
  }
} catch (error) {
  out.error = String(error?.stack ?? error);
} finally {
  await client.close().catch(() => {});
}
process.stdout.write(JSON.stringify(out));
process.exit(out.error ? 1 : 0);
