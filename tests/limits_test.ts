// The live-process limit and getrusage(RUSAGE_CHILDREN).
import { deepEqual, equal } from "node:assert/strict";
import { Sandbox } from "../mod.ts";
import { Errno } from "../src/abi/errno.ts";
import { SYS } from "../src/abi/syscalls.ts";
import { compile, markedEnv, runNative, runUmbra, UMBRA, umbraTest } from "./_util.ts";

umbraTest(
  "fork beyond the sandbox's live-process limit fails with EAGAIN inside, and the run ends cleanly",
  async () => {
    const program = await compile("limits");
    const data = await Deno.makeTempDir();
    try {
      await using sandbox = await Sandbox.create({ dataDirectory: data, maxProcesses: 8 });
      const process = sandbox.spawn({ path: program, args: ["100"], env: markedEnv() });
      deepEqual(await process.exited, { kind: "exited", code: 0 });
      // The program itself is one of the 8 live processes.
      equal(
        await Deno.readTextFile(`${data}/hosts/localhost/${program.split("/").pop()}.1000.stdout`),
        "made=7 error=EAGAIN reaped=7\n",
      );
    } finally {
      await Deno.remove(data, { recursive: true });
    }
  },
);

for (const logged of [false, true]) {
  umbraTest(
    `a clone the kernel refuses counts toward no limit${logged ? ", and strace logs its errno" : ""}`,
    async () => {
      const program = await compile("limits");
      const data = await Deno.makeTempDir();
      try {
        const clones: string[] = [];
        await using sandbox = await Sandbox.create({
          dataDirectory: data,
          maxProcesses: 8,
          onSyscall: logged
            ? (_host, _root, record) => {
              if (record.nr === SYS.clone && record.tid === 1000) clones.push(record.result ?? "none");
            }
            : undefined,
        });
        const process = sandbox.spawn({ path: program, args: ["100", "invalid"], env: markedEnv() });
        deepEqual(await process.exited, { kind: "exited", code: 0 });
        equal(
          await Deno.readTextFile(`${data}/hosts/localhost/${program.split("/").pop()}.1000.stdout`),
          "made=7 error=EAGAIN reaped=7\n",
        );
        if (!logged) return;
        // glibc's fork(2) is clone(2): 7 made, the 8th refused by the limit, each after a refused one (EINVAL);
        equal(clones.filter((result) => result === String(-Errno.EINVAL)).length, 8);
        // Linux refuses the flags before it takes a pid: the children get 1001, 1002, ... as without the refused clones.
        deepEqual(clones.filter((result) => Number(result) > 0), [
          "1001",
          "1002",
          "1003",
          "1004",
          "1005",
          "1006",
          "1007",
        ]);
      } finally {
        await Deno.remove(data, { recursive: true });
      }
    },
  );
}

umbraTest("under the limit, fork works as natively", async () => {
  const program = await compile("limits");
  const native = await runNative([program, "20"]);
  const umbra = await runUmbra([program, "20"]);
  deepEqual(umbra, native);
  equal(umbra.stdout, "made=20 error=none reaped=20\n");
});

umbraTest("getrusage(RUSAGE_CHILDREN) counts reaped children like Linux", async () => {
  const program = await compile("rusage_children");
  const native = await runNative([program]);
  const umbra = await runUmbra([program]);
  deepEqual(umbra, native);
  equal(umbra.stdout.includes("after wait: cpu_at_least_40ms=1 maxrss_nonzero=1"), true, umbra.stdout);
});

umbraTest("a program writing 1 GiB to stdout loses nothing", async () => {
  const child = new Deno.Command(UMBRA, {
    args: ["exec", "--", "/bin/sh", "-c", "head -c 1073741824 /dev/zero; echo $? >&2"],
    env: markedEnv(),
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const stderr = new Response(child.stderr).text();
  let total = 0;
  for await (const chunk of child.stdout) total += chunk.length;
  const status = await child.status;
  equal(await stderr, "0\n");
  equal(status.code, 0);
  equal(total, 1073741824);
});

umbraTest("a fork bomb in a run hits the live-process limit (EAGAIN) and the run ends at its stop time", async () => {
  const program = await compile("forkbomb");
  const directory = await Deno.makeTempDir();
  try {
    const config = `${directory}/bomb.yaml`;
    await Deno.writeTextFile(
      config,
      [
        "general:",
        "  stop_time: 20 ms",
        `  data_directory: ${directory}/data`,
        "experimental:",
        "  max_processes: 32",
        "hosts:",
        "  box:",
        "    processes:",
        `      - path: ${program}`,
        "        expected_final_state: running",
        "",
      ].join("\n"),
    );
    const result = await new Deno.Command(UMBRA, { args: ["run", config], env: markedEnv(), stderr: "piped" }).output();
    const stderr = new TextDecoder().decode(result.stderr);
    equal(result.code, 0, stderr);
    // The spinning processes moved virtual time on by their syscalls alone.
    equal(
      await Deno.readTextFile(`${directory}/data/hosts/box/${program.split("/").pop()}.1000.stdout`),
      "fork: EAGAIN\n",
    );
    const report = JSON.parse(await Deno.readTextFile(`${directory}/data/report.json`));
    equal(report.processes.length, 32);
  } finally {
    await Deno.remove(directory, { recursive: true });
  }
});
