// Writes THIRD-PARTY-LICENSES.txt next to the built bundle: the licence text of every
// package that ships in it (the production dependencies of package-lock.json), because the
// minified bundle drops the packages' own licence comments.
import { existsSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const lock = JSON.parse(readFileSync("package-lock.json", "utf8"));
const out = ["Third-party software bundled in the Truceline web workspace.", ""];
const entries = Object.entries(lock.packages)
  .filter(([path, meta]) => path.startsWith("node_modules/") && !meta.dev && !meta.optional)
  .sort(([a], [b]) => a.localeCompare(b));
for (const [path, meta] of entries) {
  const name = path.slice(path.lastIndexOf("node_modules/") + "node_modules/".length);
  const file = existsSync(path) ? readdirSync(path).find((f) => /^(licen[cs]e|copying)/i.test(f)) : undefined;
  const own = existsSync(join(path, "package.json")) ? JSON.parse(readFileSync(join(path, "package.json"), "utf8")) : {};
  const licence = meta.license ?? own.license ?? "unknown";
  out.push("=".repeat(78), `${name} ${meta.version} (${licence})`, "=".repeat(78));
  out.push(file ? readFileSync(join(path, file), "utf8").trim() : `Licence: ${licence} (the package ships no licence file)`, "");
}
writeFileSync("../src/truceline/web/static/THIRD-PARTY-LICENSES.txt", out.join("\n") + "\n");
console.log(`THIRD-PARTY-LICENSES.txt: ${entries.length} packages`);
