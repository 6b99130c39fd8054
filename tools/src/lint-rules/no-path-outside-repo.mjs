// @ts-check
/**
 * ESLint rule `goodhart/no-path-outside-repo`: the repository must stand on its own, so no source
 * file may name a path that leaves it. Plain JavaScript because eslint.config.mjs loads it directly
 * (Node 20 cannot import TypeScript without a loader).
 *
 * What it flags, resolving relative paths from the linted file's folder:
 * - a string literal (or a template literal without expressions) that is a relative path (`.`,
 *   `..`, `./...`, `../...`) leaving the repository root: this covers import specifiers and
 *   `new URL("../..", import.meta.url)`;
 * - the literal arguments of `join(...)` / `resolve(...)` (`path.join`, `posix.resolve`, ...)
 *   joined together, so `join(here, "..", "..", "..", "x")` is seen as `../../../x`. A variable
 *   base is taken as the file's folder: the rule sees only what is written in the file;
 * - any literal, or joined literal arguments, mentioning the old sibling folder `shared` + `fixtures` (the one the
 *   tests used to read; fixtures now live in `<repo>/fixtures`).
 */
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";

/** `<repo>`: this file is `<repo>/tools/src/lint-rules/no-path-outside-repo.mjs`. */
const DEFAULT_ROOT = fileURLToPath(new URL("../../..", import.meta.url));
const PATH_CALLS = new Set(["join", "resolve"]);

/** @param {string} text */
function isRelativePath(text) {
  return text === "." || text === ".." || text.startsWith("./") || text.startsWith("../");
}

/** @param {string} text */
function mentionsSharedFixtures(text) {
  return /(^|[/\\])shared[/\\]+fixtures([/\\]|$)/.test(text);
}

/** @param {string} root @param {string} target */
function isOutside(root, target) {
  const inside = relative(root, target);
  return inside === ".." || inside.startsWith(`..${sep}`) || inside.startsWith("../");
}

/**
 * The static text of a string literal or an expression-free template literal, else null.
 * @param {any} node
 * @returns {string | null}
 */
function staticText(node) {
  if (node?.type === "Literal" && typeof node.value === "string") return node.value;
  if (node?.type === "TemplateLiteral" && node.expressions.length === 0) return node.quasis[0].value.cooked ?? null;
  return null;
}

/**
 * Whether a call is `join(...)`, `resolve(...)`, `path.join(...)`, `posix.resolve(...)`, ...
 * @param {any} call
 * @returns {boolean}
 */
function isPathJoin(call) {
  const callee = call.callee;
  if (callee.type === "Identifier") return PATH_CALLS.has(callee.name);
  return (
    callee.type === "MemberExpression" && !callee.computed && callee.property.type === "Identifier" && PATH_CALLS.has(callee.property.name)
  );
}

/** @type {import("eslint").Rule.RuleModule} */
export const noPathOutsideRepo = {
  meta: {
    type: "problem",
    docs: { description: "Disallow paths that leave the repository (and the old sibling fixtures location)" },
    schema: [{ type: "object", properties: { root: { type: "string" } }, additionalProperties: false }],
    messages: {
      leavesRepo:
        "{{path}} resolves to {{target}}, outside the repository ({{root}}). Keep what the project needs inside it (test data: fixtures/, reached through fixturePath).",
      sharedFixtures:
        "{{path}} points at the fixtures of a sibling shared folder, outside the repository. Use fixturePath() from <repo>/fixtures/index.ts (see fixtures/README.md).",
    },
  },
  create(context) {
    const root = resolve(context.options[0]?.root ?? DEFAULT_ROOT);
    const folder = dirname(resolve(context.filename));
    // Files outside the root (e.g. `<text>` input) have no folder to resolve from.
    if (isOutside(root, folder)) return {};

    /** @param {any} node @param {string} text @param {boolean} isPath */
    function check(node, text, isPath) {
      if (mentionsSharedFixtures(text)) {
        context.report({ node, messageId: "sharedFixtures", data: { path: JSON.stringify(text) } });
        return;
      }
      if (!isPath) return;
      const target = resolve(folder, text);
      if (isOutside(root, target)) {
        context.report({ node, messageId: "leavesRepo", data: { path: JSON.stringify(text), target, root } });
      }
    }

    return {
      Literal(node) {
        if (typeof node.value !== "string" || isJoinArgument(node)) return;
        check(node, node.value, isRelativePath(node.value));
      },
      TemplateLiteral(node) {
        const text = staticText(node);
        if (text === null || isJoinArgument(node)) return;
        check(node, text, isRelativePath(text));
      },
      CallExpression(node) {
        if (!isPathJoin(node)) return;
        const parts = node.arguments.map(staticText).filter((t) => t !== null);
        if (parts.length === 0) return;
        const joined = join(...parts);
        // An absolute literal restarts the path; only relative ones are resolved from here.
        check(node, joined, isRelativePath(joined.split(sep).join("/")));
      },
    };
  },
};

/**
 * Literal arguments of a join are checked together, by the call.
 * @param {any} node
 */
function isJoinArgument(node) {
  const parent = node.parent;
  return parent?.type === "CallExpression" && parent.arguments.includes(node) && isPathJoin(parent);
}

export const goodhartPlugin = {
  meta: { name: "goodhart" },
  rules: { "no-path-outside-repo": noPathOutsideRepo },
};
