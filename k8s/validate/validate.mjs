#!/usr/bin/env node
// Validates Kubernetes manifests (multi-document YAML, such as `kubectl kustomize` prints) against the
// Kubernetes API schemas that the npm package kubernetes-models ships: types, required fields, enums,
// formats. The schemas let unknown fields through, which the API server drops or rejects (a typo such
// as `terminationGracePeriodSecond` would silently do nothing), so every field is also checked against
// the model's declared properties.
//
//   npm ci && node validate.mjs FILE.yaml...      (- reads standard input)
//
// Prints one line per problem and a summary; exit 0: all valid, 1: problems, 2: unreadable input.
import { readFileSync, readdirSync, existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseAllDocuments } from "yaml";

const here = dirname(fileURLToPath(import.meta.url));
const modelsDir = join(here, "node_modules", "kubernetes-models");
const packageDirs = [modelsDir, join(here, "node_modules", "@kubernetes-models", "apimachinery")];

// --- declared properties, read from the models' TypeScript declarations ------------------------------

/** canonical interface name (IIoK8s…) → Map(property → type text) */
const interfaces = new Map();

function* declarationFiles(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === "node_modules" || entry.name === "_schemas") continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* declarationFiles(path);
    else if (entry.name.endsWith(".d.ts")) yield path;
  }
}

function readDeclarations(file) {
  const text = readFileSync(file, "utf8");
  const aliases = new Map();
  for (const m of text.matchAll(/export type \{([^}]*)\}/g))
    for (const part of m[1].split(","))
      {
        const a = part.trim().match(/^(\w+) as (IIoK8s\w+)$/);
        if (a) aliases.set(a[1], a[2]);
      }
  for (const m of text.matchAll(/^export interface (\w+)(?: extends ([\w, ]+))? \{\n([\s\S]*?)\n\}/gm)) {
    const props = new Map();
    if (m[2] && m[2].includes("TypeMeta")) { props.set("apiVersion", "string"); props.set("kind", "string"); }
    for (const line of m[3].split("\n")) {
      const p = line.match(/^ {4}"([^"]+)"\??: (.*?);?$/);
      if (p) props.set(p[1], p[2].endsWith("{") ? "map" : p[2]);
    }
    const name = aliases.get(m[1]) ?? m[1];
    if (!interfaces.has(name)) interfaces.set(name, props);
  }
}

for (const dir of packageDirs) {
  if (!existsSync(dir)) {
    console.error(`validate: ${dir} is missing: run 'npm ci' in ${here} first`);
    process.exit(2);
  }
  for (const file of declarationFiles(dir)) readDeclarations(file);
}

/** The interface a property's type names, and whether it is a list of them; null for scalars and maps. */
function typeOf(text) {
  let m = text.match(/^(IIoK8s\w+)$/);
  if (m) return { name: m[1], list: false };
  m = text.match(/^Array<(IIoK8s\w+)>$/);
  if (m) return { name: m[1], list: true };
  return null;
}

let fieldsChecked = 0;

function unknownFields(value, typeName, path, problems) {
  const props = interfaces.get(typeName);
  if (!props || value === null || typeof value !== "object" || Array.isArray(value)) return;
  for (const [key, child] of Object.entries(value)) {
    fieldsChecked++;
    if (!props.has(key)) {
      problems.push(`${path}/${key}: unknown field (not in ${typeName.replace(/^IIoK8s/, "")})`);
      continue;
    }
    const type = typeOf(props.get(key));
    if (!type) continue;
    if (type.list && Array.isArray(child)) child.forEach((item, i) => unknownFields(item, type.name, `${path}/${key}/${i}`, problems));
    else if (!type.list) unknownFields(child, type.name, `${path}/${key}`, problems);
  }
}

// --- one object ----------------------------------------------------------------------------------------

async function validate(object) {
  const problems = [];
  const { apiVersion, kind } = object ?? {};
  if (typeof apiVersion !== "string" || typeof kind !== "string") return ["apiVersion and kind are required"];
  const [group, version] = apiVersion.includes("/") ? apiVersion.split("/") : [null, apiVersion];
  const modulePath = group ? `${group}/${version}/${kind}` : `${version}/${kind}`;
  if (!existsSync(join(modelsDir, `${modulePath}.js`))) return [`no schema for ${apiVersion} ${kind}`];
  const module = await import(`kubernetes-models/${modulePath}`);
  const Model = module[kind];
  try {
    new Model(object).validate();
  } catch (e) {
    if (!e.errors) throw e;
    for (const err of e.errors) problems.push(`${err.instancePath || "/"}: ${err.message}`);
  }
  const root = readFileSync(join(modelsDir, `${modulePath}.d.ts`), "utf8").match(new RegExp(`I${kind} as (IIoK8s\\w+)`));
  if (!root || !interfaces.has(root[1])) return [...problems, `no declared properties for ${apiVersion} ${kind}`];
  unknownFields(object, root[1], "", problems);
  return problems;
}

// --- files -----------------------------------------------------------------------------------------------

const files = process.argv.slice(2);
if (files.length === 0) {
  console.error("usage: node validate.mjs FILE.yaml... (- for standard input)");
  process.exit(2);
}

let objects = 0;
let problemCount = 0;
for (const file of files) {
  let text;
  try {
    text = readFileSync(file === "-" ? 0 : file, "utf8");
  } catch (e) {
    console.error(`validate: cannot read ${file}: ${e.message}`);
    process.exit(2);
  }
  // YAML 1.1, as kubectl reads it (yes/no/on/off are booleans there).
  for (const doc of parseAllDocuments(text, { version: "1.1" })) {
    if (doc.errors.length > 0) {
      console.error(`validate: ${file}: ${doc.errors[0].message}`);
      process.exit(2);
    }
    const object = doc.toJS();
    if (object === null || object === undefined) continue;
    // The API server decodes base64 as Go does, ignoring line breaks; kustomize wraps long values.
    if (object.kind === "Secret" && object.data && typeof object.data === "object")
      for (const key of Object.keys(object.data))
        if (typeof object.data[key] === "string") object.data[key] = object.data[key].replace(/[\r\n]/g, "");
    objects++;
    const where = `${file}: ${object.kind ?? "?"}/${object.metadata?.name ?? "?"}`;
    for (const problem of await validate(object)) {
      problemCount++;
      console.log(`${where}: ${problem}`);
    }
  }
}
console.log(`validated ${objects} objects (${fieldsChecked} fields checked against declared properties): ${problemCount} problems`);
process.exit(problemCount === 0 && objects > 0 ? 0 : 1);
