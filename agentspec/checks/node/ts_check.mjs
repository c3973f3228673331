// Type-checks the TypeScript code blocks of a spec with the real TypeScript compiler.
//
// stdin:  {"blocks": [{"id": "b0", "code": "...", "tsx": false}]}
// stdout: {"version": "5.x", "results": [{"id", "diagnostics": [{"line", "code", "message"}], "unresolved": [...]}]}
//
// Each block is its own module (moduleDetection: force), all in one program so the
// standard library is read once. Imports resolve against this folder's node_modules
// (the typings package.json installs: node, pg, express, axios, ioredis); a package
// nothing declares is shimmed as `any` and listed in `unresolved`, so the caller can
// say what was not checked.
import fs from "node:fs";
import { builtinModules } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";

const here = path.dirname(fileURLToPath(import.meta.url));
const input = JSON.parse(fs.readFileSync(0, "utf8"));
const virtualDir = path.join(here, "__blocks__");
// A block that says which file it is sits at that path, so a relative import of another
// example resolves to it and is checked against what that example really exports.
const fileOf = (block) =>
  block.path ? path.join(virtualDir, "files", block.path) : path.join(virtualDir, `${block.id}.${block.tsx ? "tsx" : "ts"}`);
const options = {
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.ESNext,
  moduleResolution: ts.ModuleResolutionKind.Bundler,
  moduleDetection: ts.ModuleDetectionKind.Force,
  esModuleInterop: true,
  skipLibCheck: true,
  noEmit: true,
  strict: false, // snippets leave parameters untyped; a wrong type where one is given is still an error
  experimentalDecorators: true, // NestJS and TypeORM examples decorate constructor parameters
  jsx: ts.JsxEmit.Preserve, // no React typings: JSX is parsed and its expressions checked, not its elements
  types: ["node"],
  // Minimal declarations for packages not installed for a type check (local_types/<name>/index.d.ts).
  baseUrl: here,
  paths: Object.fromEntries(
    fs.readdirSync(path.join(here, "local_types")).map((name) => [name, [path.join("local_types", name, "index.d.ts")]]),
  ),
  typeRoots: [path.join(here, "node_modules", "@types")],
  lib: ["lib.es2022.d.ts", "lib.dom.d.ts"],
};

const files = new Map(input.blocks.map((block) => [fileOf(block), block.code]));
const unresolved = new Map();
for (const block of input.blocks) {
  const source = ts.createSourceFile(fileOf(block), block.code, ts.ScriptTarget.ES2022, true);
  const names = [];
  source.forEachChild((node) => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) names.push(node.moduleSpecifier.text);
  });
  // Node's own modules are declared ambiently by @types/node, which resolveModuleName does not see.
  const ambient = (n) => n.startsWith("node:") || builtinModules.includes(n);
  const known = (n) => n.startsWith(".") && [".ts", ".tsx", "/index.ts"].some((ext) => files.has(path.resolve(path.dirname(fileOf(block)), n) + ext));
  unresolved.set(block.id, names.filter((n) => !ambient(n) && !known(n) && !ts.resolveModuleName(n, fileOf(block), options, ts.sys).resolvedModule));
}
const shim = path.join(virtualDir, "__shims__.d.ts");
const shimmed = [...new Set([...unresolved.values()].flat())];
files.set(shim, shimmed.map((name) => `declare module ${JSON.stringify(name)};`).join("\n"));

const host = ts.createCompilerHost(options);
const real = { fileExists: host.fileExists, readFile: host.readFile, getSourceFile: host.getSourceFile };
host.fileExists = (f) => files.has(f) || real.fileExists.call(host, f);
const realDirectoryExists = host.directoryExists?.bind(host);
host.directoryExists = (d) => [...files.keys()].some((f) => f.startsWith(d + path.sep)) || (realDirectoryExists ? realDirectoryExists(d) : true);
host.readFile = (f) => (files.has(f) ? files.get(f) : real.readFile.call(host, f));
host.getSourceFile = (f, language, onError, create) =>
  files.has(f) ? ts.createSourceFile(f, files.get(f), language, true) : real.getSourceFile.call(host, f, language, onError, create);

const program = ts.createProgram([...files.keys()], options, host);
const results = input.blocks.map((block) => {
  const source = program.getSourceFile(fileOf(block));
  const diagnostics = [...program.getSyntacticDiagnostics(source), ...program.getSemanticDiagnostics(source)].map((d) => ({
    line: d.start !== undefined ? source.getLineAndCharacterOfPosition(d.start).line + 1 : null,
    code: d.code,
    message: ts.flattenDiagnosticMessageText(d.messageText, " "),
  }));
  return { id: block.id, diagnostics, unresolved: unresolved.get(block.id) };
});
process.stdout.write(JSON.stringify({ version: ts.version, results }));
