// Data directories: umbra clears only a directory it can prove it made (.umbra-data-directory names that very
// directory), and in it only a run's outputs; it follows no symbolic link out of it, and refuses an unusable path in
// one line with exit 2 before it writes anything.
import { deepEqual, equal, ok, rejects } from "node:assert/strict";
import { DataDirectoryError, Sandbox } from "../mod.ts";
import { markedEnv, text, UMBRA, umbraTest } from "./_util.ts";

interface Outcome {
  code: number;
  stderr: string;
}

async function umbraRun(args: string[], cwd: string, wrap: string[] = []): Promise<Outcome> {
  const argv = [...wrap, UMBRA, "run", ...args];
  const output = await new Deno.Command(argv[0], { args: argv.slice(1), cwd, stdout: "piped", stderr: "piped" })
    .output();
  return { code: output.code, stderr: new TextDecoder().decode(output.stderr) };
}

async function withDirectory(body: (directory: string) => Promise<void>): Promise<void> {
  const directory = await Deno.makeTempDir();
  try {
    await body(directory);
  } finally {
    await Deno.remove(directory, { recursive: true });
  }
}

/** Every entry under `path` (links not followed) with its kind and content or target, to show nothing changed. */
async function snapshot(path: string): Promise<Record<string, string>> {
  const entries: Record<string, string> = {};
  const visit = async (relative: string) => {
    const full = relative === "" ? path : `${path}/${relative}`;
    const info = await Deno.lstat(full);
    if (info.isSymlink) entries[relative] = `link -> ${await Deno.readLink(full)}`;
    else if (info.isFile) entries[relative] = `file ${await Deno.readTextFile(full)}`;
    else {
      entries[relative] = `directory ${info.ino}`;
      for await (const entry of Deno.readDir(full)) {
        await visit(relative === "" ? entry.name : `${relative}/${entry.name}`);
      }
    }
  };
  await visit("");
  return entries;
}

/** A config whose one process prints `word`. */
function config(word: string): string {
  return `general:\n  stop_time: 1 s\nhosts:\n  h:\n    processes:\n      - path: /bin/echo\n        args: ${word}\n`;
}

/** Asserts a run was refused in one line (exit 2) that matches `pattern`. */
function assertRefused(result: Outcome, pattern: RegExp): void {
  equal(result.code, 2, result.stderr);
  equal(result.stderr.split("\n").length, 2, `one line: ${result.stderr}`);
  ok(pattern.test(result.stderr), result.stderr);
}

umbraTest("an empty data directory path is refused in one line, exit 2, before anything is written", async () => {
  await withDirectory(async (directory) => {
    await Deno.writeTextFile(`${directory}/run.yaml`, config("hi"));
    const before = await snapshot(directory);
    deepEqual(await umbraRun(["run.yaml", "--data-directory", ""], directory), {
      code: 2,
      stderr: "umbra: the data directory path is empty\n",
    });
    deepEqual(await snapshot(directory), before);
  });
});

umbraTest("a user's directory holding a processed-config.yaml of its own is refused and left untouched", async () => {
  await withDirectory(async (directory) => {
    await Deno.writeTextFile(`${directory}/run.yaml`, config("hi"));
    await Deno.mkdir(`${directory}/theirs/hosts`, { recursive: true });
    await Deno.writeTextFile(`${directory}/theirs/processed-config.yaml`, "my notes");
    await Deno.writeTextFile(`${directory}/theirs/report.json`, "{}");
    await Deno.writeTextFile(`${directory}/theirs/hosts/keep.txt`, "precious");
    const before = await snapshot(directory);
    const result = await umbraRun(["run.yaml", "--data-directory", "theirs"], directory);
    assertRefused(result, /^umbra: data directory theirs is not empty and umbra did not make it/);
    deepEqual(await snapshot(directory), before);
    // A marker umbra did not write for this directory proves nothing either: forged, or copied from another one.
    await Deno.writeTextFile(`${directory}/theirs/.umbra-data-directory`, "umbra data directory\n");
    assertRefused(await umbraRun(["run.yaml", "-d", "theirs"], directory), /umbra did not make it/);
    equal(await Deno.readTextFile(`${directory}/theirs/processed-config.yaml`), "my notes");
  });
});

umbraTest("a copy of an umbra data directory is the user's: never cleared", async () => {
  await withDirectory(async (directory) => {
    await Deno.writeTextFile(`${directory}/run.yaml`, config("hi"));
    equal((await umbraRun(["run.yaml", "-d", "out"], directory)).code, 0);
    const copied = await new Deno.Command("cp", { args: ["-a", `${directory}/out`, `${directory}/kept`] }).output();
    equal(copied.code, 0);
    const before = await snapshot(`${directory}/kept`);
    assertRefused(await umbraRun(["run.yaml", "-d", "kept"], directory), /umbra did not make it/);
    deepEqual(await snapshot(`${directory}/kept`), before);
  });
});

umbraTest("a data directory path that is a symbolic link is refused, wherever it points", async () => {
  await withDirectory(async (directory) => {
    await Deno.writeTextFile(`${directory}/run.yaml`, config("hi"));
    equal((await umbraRun(["run.yaml", "-d", "out"], directory)).code, 0);
    await Deno.mkdir(`${directory}/elsewhere`);
    await Deno.writeTextFile(`${directory}/elsewhere/processed-config.yaml`, "mine");
    await Deno.symlink("elsewhere", `${directory}/to-theirs`);
    await Deno.symlink("out", `${directory}/to-out`);
    const before = await snapshot(directory);
    for (const link of ["to-theirs", "to-out"]) {
      assertRefused(
        await umbraRun(["run.yaml", "-d", link], directory),
        new RegExp(`^umbra: data directory ${link} is a symbolic link`),
      );
    }
    deepEqual(await snapshot(directory), before);
  });
});

umbraTest(
  "a file, a path under a file and a read-only parent are refused in one line before anything is written",
  async () => {
    await withDirectory(async (directory) => {
      await Deno.writeTextFile(`${directory}/run.yaml`, config("hi"));
      await Deno.writeTextFile(`${directory}/file`, "data");
      await Deno.mkdir(`${directory}/readonly`);
      const before = await snapshot(directory);
      assertRefused(
        await umbraRun(["run.yaml", "-d", "file"], directory),
        /^umbra: data directory file exists and is not a directory$/m,
      );
      assertRefused(
        await umbraRun(["run.yaml", "-d", "file/out"], directory),
        /^umbra: cannot use data directory file\/out: Not a directory$/m,
      );
      // Root may write anywhere; a read-only mount stops even root.
      const readonly = `${directory}/readonly`;
      const mount = ["unshare", "--mount", "sh", "-c", `mount --bind -o ro ${readonly} ${readonly} && exec "$@"`, "sh"];
      assertRefused(
        await umbraRun(["run.yaml", "-d", "readonly/out"], directory, mount),
        /^umbra: cannot create data directory readonly\/out: Read-only file system$/m,
      );
      assertRefused(
        await umbraRun(["run.yaml", "-d", "readonly"], directory, mount),
        /^umbra: cannot write into data directory readonly: Read-only file system$/m,
      );
      deepEqual(await snapshot(directory), before);
    });
  },
);

umbraTest(
  "a re-run into umbra's own directory replaces the old outputs, keeps the user's files and follows no link out",
  async () => {
    await withDirectory(async (directory) => {
      await Deno.writeTextFile(`${directory}/first.yaml`, config("first"));
      await Deno.writeTextFile(
        `${directory}/second.yaml`,
        config("second").replace("h:", "g:"),
      );
      equal((await umbraRun(["first.yaml", "-d", "out"], directory)).code, 0);
      const out = `${directory}/out`;
      equal(await Deno.readTextFile(`${out}/hosts/h/echo.1000.stdout`), text("first"));
      // The user's own files, and links out of the directory that a program of the run might have made.
      await Deno.writeTextFile(`${out}/notes.txt`, "mine");
      await Deno.mkdir(`${directory}/outside`);
      await Deno.writeTextFile(`${directory}/outside/precious.txt`, "precious");
      await Deno.symlink(`${directory}/outside`, `${out}/hosts/h/link-to-outside`);
      await Deno.symlink(`${directory}/outside/precious.txt`, `${out}/hosts/h/echo.1001.stdout`);
      const result = await umbraRun(["second.yaml", "-d", "out"], directory);
      equal(result.code, 0, result.stderr);
      deepEqual(Object.keys(await snapshot(out)).sort(), [
        "",
        ".umbra-data-directory",
        "hosts",
        "hosts/g",
        "hosts/g/echo.1000.stderr",
        "hosts/g/echo.1000.stdout",
        "notes.txt",
        "processed-config.yaml",
        "report.json",
        "timeline.html",
        "trace.json",
      ]);
      equal(await Deno.readTextFile(`${out}/hosts/g/echo.1000.stdout`), text("second"));
      equal(await Deno.readTextFile(`${out}/notes.txt`), "mine");
      deepEqual(await snapshot(`${directory}/outside`), {
        "": `directory ${(await Deno.lstat(`${directory}/outside`)).ino}`,
        "precious.txt": "file precious",
      });
    });
  },
);

umbraTest(
  "in umbra's own directory, an output name that is a link or of another kind refuses the run, untouched",
  async () => {
    await withDirectory(async (directory) => {
      await Deno.writeTextFile(`${directory}/run.yaml`, config("hi"));
      await Deno.writeTextFile(`${directory}/precious.txt`, "precious");
      await Deno.mkdir(`${directory}/elsewhere`);
      const out = `${directory}/out`;
      for (
        const [name, make, kind] of [
          ["report.json", () => Deno.symlink(`${directory}/precious.txt`, `${out}/report.json`), "symbolic link"],
          ["hosts", () => Deno.symlink(`${directory}/elsewhere`, `${out}/hosts`), "symbolic link"],
          ["timeline.html", () => Deno.mkdir(`${out}/timeline.html`), "directory"],
        ] as const
      ) {
        await Deno.remove(out, { recursive: true }).catch(() => {});
        equal((await umbraRun(["run.yaml", "-d", "out"], directory)).code, 0);
        await Deno.remove(`${out}/${name}`, { recursive: true });
        await make();
        const before = await snapshot(directory);
        assertRefused(
          await umbraRun(["run.yaml", "-d", "out"], directory),
          new RegExp(`^umbra: data directory out: ${name} is a ${kind}, not what umbra writes there`),
        );
        deepEqual(await snapshot(directory), before, name);
      }
    });
  },
);

umbraTest("Sandbox.create refuses an unusable data directory and removes nothing from a user's", async () => {
  await withDirectory(async (directory) => {
    await Deno.writeTextFile(`${directory}/file`, "data");
    await Deno.mkdir(`${directory}/elsewhere`);
    await Deno.symlink("elsewhere", `${directory}/link`);
    for (
      const [path, message] of [
        ["", "the data directory path is empty"],
        [`${directory}/file`, `data directory ${directory}/file exists and is not a directory`],
        [`${directory}/link`, `data directory ${directory}/link is a symbolic link; give a directory`],
      ]
    ) {
      await rejects(Sandbox.create({ dataDirectory: path }), (error) => {
        ok(error instanceof DataDirectoryError, String(error));
        equal(error.message, message);
        return true;
      });
    }
    // A missing directory is made and marked as umbra's; a user's keeps everything it holds.
    const made = `${directory}/made/deeper`;
    await Sandbox.create({ dataDirectory: made }).then((sandbox) => sandbox.close());
    const info = await Deno.lstat(made);
    equal(
      await Deno.readTextFile(`${made}/.umbra-data-directory`),
      `umbra data directory\ndevice ${info.dev} inode ${info.ino}\n`,
    );
    await Deno.mkdir(`${directory}/theirs`);
    await Deno.writeTextFile(`${directory}/theirs/processed-config.yaml`, "mine");
    {
      await using sandbox = await Sandbox.create({ dataDirectory: `${directory}/theirs` });
      const process = sandbox.spawn({ path: "/bin/echo", args: ["hi"], env: markedEnv() });
      deepEqual(await process.exited, { kind: "exited", code: 0 });
    }
    equal(await Deno.readTextFile(`${directory}/theirs/processed-config.yaml`), "mine");
    equal(await Deno.readTextFile(`${directory}/theirs/hosts/localhost/echo.1000.stdout`), "hi\n");
  });
});
