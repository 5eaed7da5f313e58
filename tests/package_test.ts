// The package as others use it: imported from a copy outside the repository, with the narrowest
// permission set the README documents.
import { equal } from "node:assert/strict";
import { markedEnv, ROOT, umbraTest } from "./_util.ts";

const SCRIPT = `import { Sandbox } from "./umbra/mod.ts";
await using sandbox = await Sandbox.create();
const process = sandbox.spawn({ path: "/bin/sh", args: ["-c", "echo $$ $PPID; sleep 0.01 & wait"] });
console.log(JSON.stringify(await process.exited));
`;

/** Copies what a package consumer gets (mod.ts, src/ with the embedded libraries, deno.json). */
async function copyPackage(target: string): Promise<void> {
  await Deno.mkdir(`${target}/umbra`, { recursive: true });
  for (const entry of ["mod.ts", "deno.json", "src"]) {
    const result = await new Deno.Command("cp", { args: ["-r", `${ROOT}${entry}`, `${target}/umbra/`] }).output();
    equal(result.code, 0);
  }
}

umbraTest("a copy of the package outside the repository runs a program with the documented permissions", async () => {
  const directory = await Deno.makeTempDir();
  try {
    await copyPackage(directory);
    await Deno.writeTextFile(`${directory}/consumer.ts`, SCRIPT);
    const cache = `${directory}/cache`;
    // The README's narrowest set: FFI, read, write to the library cache, env, and the uid.
    const output = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--allow-ffi",
        "--allow-read",
        `--allow-write=${cache}`,
        "--allow-env",
        "--allow-sys=uid",
        "consumer.ts",
      ],
      cwd: directory,
      env: markedEnv({ UMBRA_CACHE_DIR: cache, HOME: Deno.env.get("HOME") ?? "/root" }),
      stdout: "piped",
      stderr: "piped",
    }).output();
    const decoder = new TextDecoder();
    equal(decoder.decode(output.stderr), "");
    equal(decoder.decode(output.stdout), '1000 1\n{"kind":"exited","code":0}\n');
    equal(output.code, 0);
  } finally {
    await Deno.remove(directory, { recursive: true });
  }
});

Deno.test("the package passes deno publish --dry-run (name, version, license, exports, include list)", async () => {
  const result = await new Deno.Command(Deno.execPath(), {
    args: ["publish", "--dry-run", "--allow-dirty"],
    cwd: ROOT,
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const output = new TextDecoder().decode(result.stdout) + new TextDecoder().decode(result.stderr);
  equal(result.code, 0, output);
  equal(output.includes("Dry run complete"), true, output);
  // Only built-ins and npm: packages: no jsr: imports, which these machines cannot fetch.
  equal(/jsr:/.test(output), false, output);
});
