/**
 * Pausing for a debugger: gdb drives a paused program through umbra's remote stub exactly as
 * it drives the same program natively (same script, same answers, pids mapped), and the CLI
 * says how to attach and lets the program run on at a signal.
 */

import { equal, match, ok } from "node:assert/strict";
import { basename } from "node:path";
import { Sandbox } from "../mod.ts";
import { frame, fromHex, PacketReader } from "../src/debug/rsp.ts";
import { gdbCommand } from "../src/debug/pause.ts";
import { assertSameLines, compile, markedEnv, runNative, text, UMBRA, umbraTest } from "./_util.ts";

Deno.test("rsp: packets are framed with their checksum and read back across chunks", () => {
  const packet = frame("qSupported");
  equal(new TextDecoder().decode(packet), "$qSupported#37");
  const reader = new PacketReader();
  const decoder = new TextDecoder();
  const bytes = new TextEncoder().encode(`+${decoder.decode(frame("m10,4"))}\x03${decoder.decode(frame("g"))}$g#00`);
  const first = reader.push(bytes.subarray(0, 5));
  equal(first.length, 0); // incomplete packet kept
  const rest = reader.push(bytes.subarray(5));
  equal(
    JSON.stringify(rest),
    JSON.stringify([
      { kind: "packet", payload: "m10,4" },
      { kind: "interrupt" },
      { kind: "packet", payload: "g" },
      { kind: "corrupt" },
    ]),
  );
  equal(fromHex("zz"), null);
  equal(Array.from(fromHex("00ff10")!).join(","), "0,255,16");
});

/** The gdb commands both runs share, after the program is stopped at its start. */
const SCRIPT = [
  "break fp",
  "continue",
  "print $xmm0.v2_double[0]",
  "print $fctrl",
  "print $ftag",
  "print $mxcsr",
  "print $st0",
  "set var $xmm0.v2_double[0] = 3.5",
  "print $xmm0.v2_double[0]",
  "break work",
  "continue",
  "print $rdi",
  "print (int)getpid()",
  "set var *(int *)&counter = 100",
  "stepi",
  "print $pc - (long)&work > 0",
  "delete",
  "handle SIGUSR1 nostop noprint pass",
  "continue",
];

function gdbArgs(start: string[], program: string): string[] {
  return [
    "-batch",
    "-nx",
    "-ex",
    "set sysroot /",
    ...start.flatMap((c) => ["-ex", c]),
    ...SCRIPT.flatMap((c) => ["-ex", c]),
    program,
  ];
}

/** gdb's value lines ("$1 = 1"), which must agree between the two runs. */
function values(output: string): string {
  return text(...output.split("\n").filter((line) => /^\$\d+ = /.test(line)));
}

for (const linkage of ["dynamic", "static"] as const) {
  umbraTest(`gdb debugs a paused program as it debugs it natively (${linkage})`, async () => {
    const program = await compile("debug_target", { static: linkage === "static" });
    // Natively gdb starts the program itself; "starti" stops it before its first instruction.
    const native = await runNative(["gdb", ...gdbArgs(["starti"], program)]);
    const nativePid = /process (\d+)/.exec(native.stdout + native.stderr)?.[1];
    ok(nativePid, `native gdb names the process:\n${native.stdout}${native.stderr}`);

    const data = await Deno.makeTempDir();
    await using sandbox = await Sandbox.create({ time: "virtual", dataDirectory: data });
    const process = sandbox.spawn({ path: program, env: markedEnv(), pauseForDebugging: true });
    const paused = await process.paused;
    equal(paused.path, program);
    const gdb = await new Deno.Command("gdb", {
      args: gdbArgs([`target remote ${paused.socket}`], program),
      stdout: "piped",
      stderr: "piped",
      env: markedEnv(),
    }).output();
    const output = new TextDecoder().decode(gdb.stdout);
    const errors = new TextDecoder().decode(gdb.stderr);
    equal((await process.exited).kind, "exited");
    // Same answers; getpid() answers the virtual pid under umbra.
    assertSameLines(
      values(output),
      values(native.stdout).replace(`= ${nativePid}\n`, `= ${paused.pid}\n`),
      `gdb's values\n${output}${errors}`,
    );
    match(output, /exited normally/);
    // gdb's write reached the program; the signal it passed on kept its exact siginfo.
    const printed = await Deno.readTextFile(`${data}/hosts/localhost/${basename(program)}.${paused.pid}.stdout`);
    equal(printed, text("fp 14", "counter 106", "sender is self: yes"));
    match(native.stdout, /^fp 14\ncounter 106\nsender is self: yes$/m);
    await Deno.remove(data, { recursive: true });
  });
}

umbraTest("umbra exec --pause-for-debugging says how to attach and runs on at SIGCONT", async () => {
  const program = await compile("debug_target");
  equal((await runNative([program])).stdout, text("fp 10", "counter 6", "sender is self: yes"));
  const child = new Deno.Command(UMBRA, {
    args: ["exec", "--pause-for-debugging", "--", program],
    env: markedEnv(),
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const reader = child.stderr.pipeThrough(new TextDecoderStream()).getReader();
  let said = "";
  while (!said.includes("or let it run")) {
    const { value, done } = await reader.read();
    if (done) break;
    said += value;
  }
  match(said, /^umbra: paused .*debug_target.* \(pid 1000, native pid \d+\) before its first instruction$/m);
  const socket = /target remote (\S+)'/.exec(said)?.[1];
  ok(socket, said);
  match(
    said,
    new RegExp(`debug it: ${gdbCommand({ socket, path: program } as never).replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}`),
  );
  const umbraPid = Number(/kill -CONT (\d+)/.exec(said)?.[1]);
  ok(umbraPid > 0, said);
  Deno.kill(umbraPid, "SIGCONT");
  const rest = reader.read().then(async function drain(result): Promise<void> {
    if (!result.done) return drain(await reader.read());
  });
  const status = await child.status;
  await rest;
  const stdout = new TextDecoder().decode(await new Response(child.stdout).arrayBuffer());
  equal(status.code, 0);
  equal(stdout, text("fp 10", "counter 6", "sender is self: yes"));
});

umbraTest("umbra run --pause-for-debugging naming no process is a usage error", async () => {
  const config = await Deno.makeTempFile({ suffix: ".yaml" });
  try {
    await Deno.writeTextFile(
      config,
      "general:\n  stop_time: 1s\nhosts:\n  box:\n    processes:\n      - path: /bin/true\n",
    );
    const result = await new Deno.Command(UMBRA, {
      args: ["run", "--pause-for-debugging", "nosuch", "-d", `${config}.data`, config],
      env: markedEnv(),
      stdout: "piped",
      stderr: "piped",
    }).output();
    equal(result.code, 2);
    equal(
      new TextDecoder().decode(result.stderr),
      "umbra: --pause-for-debugging: no process is named 'nosuch' (processes: box.true)\n",
    );
  } finally {
    await Deno.remove(config);
  }
});
