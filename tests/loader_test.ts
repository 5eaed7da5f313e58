// The embedded-library loader: extraction by content hash, reuse, tamper refusal, concurrency.
import { equal, rejects } from "node:assert/strict";
import { libraries } from "../src/native/embedded.js";
import { extractLibrary, LibraryError, loadLibrary } from "../src/native/loader.ts";
import { ROOT } from "./_util.ts";

const sha256 = libraries.umbra.sha256;

async function sha256Of(path: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", await Deno.readFile(path)));
  return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
}

Deno.test("a fresh cache gets the library under its hash; a warm cache reuses the file", async () => {
  const directory = await Deno.makeTempDir();
  try {
    const path = await extractLibrary("umbra", directory);
    equal(path, `${directory}/libumbra-${sha256}.so`);
    equal(await sha256Of(path), sha256);
    const before = (await Deno.stat(path)).mtime?.getTime();
    await new Promise((resolve) => setTimeout(resolve, 20));
    equal(await extractLibrary("umbra", directory), path);
    equal((await Deno.stat(path)).mtime?.getTime(), before, "the warm path must not rewrite the file");
    equal([...Deno.readDirSync(directory)].length, 1, "no temporary files left");
  } finally {
    await Deno.remove(directory, { recursive: true });
  }
});

Deno.test("a tampered cache file is refused with a clear error", async () => {
  const directory = await Deno.makeTempDir();
  try {
    const path = await extractLibrary("umbra", directory);
    const bytes = await Deno.readFile(path);
    bytes[bytes.length - 1] ^= 0xff;
    await Deno.writeFile(path, bytes);
    await rejects(extractLibrary("umbra", directory), (error: unknown) => {
      return error instanceof LibraryError && error.message.includes("does not match its SHA-256");
    });
  } finally {
    await Deno.remove(directory, { recursive: true });
  }
});

Deno.test("two processes extracting into the same fresh cache at once both get a valid library", async () => {
  const directory = await Deno.makeTempDir();
  try {
    const script = `import { extractLibrary } from "${ROOT}src/native/loader.ts";
      console.log(await extractLibrary("umbra", ${JSON.stringify(directory)}));`;
    const run = () =>
      new Deno.Command(Deno.execPath(), { args: ["eval", script], stdout: "piped", stderr: "inherit" }).output();
    const results = await Promise.all([run(), run(), run()]);
    for (const result of results) {
      equal(result.code, 0);
      equal(new TextDecoder().decode(result.stdout).trim(), `${directory}/libumbra-${sha256}.so`);
    }
    equal(await sha256Of(`${directory}/libumbra-${sha256}.so`), sha256);
    equal([...Deno.readDirSync(directory)].length, 1, "no temporary files left");
  } finally {
    await Deno.remove(directory, { recursive: true });
  }
});

Deno.test("UMBRA_LIBRARY pointing at a missing file gives a clear error", async () => {
  Deno.env.set("UMBRA_LIBRARY", "/nonexistent/libumbra.so");
  try {
    await rejects(loadLibrary(), (error: unknown) => {
      return error instanceof LibraryError && error.message.startsWith("cannot load /nonexistent/libumbra.so");
    });
  } finally {
    Deno.env.delete("UMBRA_LIBRARY");
  }
});
