import { describe, expect, it } from "@jest/globals";
import { GroupCommit } from "../src/domain/group-commit.js";

/** A writer whose batches finish when the test says, recording what each batch held. */
function controlledWriter() {
  const batches: { lane: string; items: string[]; finish(error?: Error): void }[] = [];
  const write = (lane: string, items: string[]) =>
    new Promise<string[]>((resolve, reject) => {
      batches.push({
        lane,
        items,
        finish: (error) => (error ? reject(error) : resolve(items.map((i) => `done ${i}`))),
      });
    });
  return { batches, write };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe("group commit", () => {
  it("writes a lone item on the next turn of the event loop, and answers it", async () => {
    const { batches, write } = controlledWriter();
    const group = new GroupCommit({ write, maxBatch: 10 });
    const answer = group.submit("org", "a");
    await tick();
    expect(batches.map((b) => b.items)).toEqual([["a"]]);
    batches[0]!.finish();
    await expect(answer).resolves.toBe("done a");
  });

  it("puts what arrives while a lane's batch is written in its next batch, in order", async () => {
    const { batches, write } = controlledWriter();
    const group = new GroupCommit({ write, maxBatch: 10 });
    const answers = [group.submit("org", "a"), group.submit("org", "b")];
    await tick();
    answers.push(group.submit("org", "c"), group.submit("org", "d"), group.submit("org", "e"));
    await tick();
    expect(batches.map((b) => b.items)).toEqual([["a", "b"]]);
    batches[0]!.finish();
    await tick();
    expect(batches.map((b) => b.items)).toEqual([
      ["a", "b"],
      ["c", "d", "e"],
    ]);
    batches[1]!.finish();
    await expect(Promise.all(answers)).resolves.toEqual([
      "done a",
      "done b",
      "done c",
      "done d",
      "done e",
    ]);
  });

  it("takes at most maxBatch items in a batch", async () => {
    const { batches, write } = controlledWriter();
    const group = new GroupCommit({ write, maxBatch: 2 });
    const answers = ["a", "b", "c", "d", "e"].map((item) => group.submit("org", item));
    await tick();
    batches[0]!.finish();
    await tick();
    batches[1]!.finish();
    await tick();
    batches[2]!.finish();
    await Promise.all(answers);
    expect(batches.map((b) => b.items)).toEqual([["a", "b"], ["c", "d"], ["e"]]);
  });

  it("never puts two items with the same distinct id in one batch", async () => {
    const { batches, write } = controlledWriter();
    const group = new GroupCommit({ write, maxBatch: 10, distinct: (item) => item[0]! });
    const answers = ["a1", "b1", "a2", "c1", "a3"].map((item) => group.submit("org", item));
    await tick();
    for (let i = 0; i < 3; i++) {
      batches[i]!.finish();
      await tick();
    }
    await Promise.all(answers);
    expect(batches.map((b) => b.items)).toEqual([["a1", "b1", "c1"], ["a2"], ["a3"]]);
  });

  it("rejects only the items of a failed batch; the lane goes on", async () => {
    const { batches, write } = controlledWriter();
    const group = new GroupCommit({ write, maxBatch: 10 });
    const failed = group.submit("org", "a");
    await tick();
    const next = group.submit("org", "b");
    batches[0]!.finish(new Error("connection lost"));
    await expect(failed).rejects.toThrow("connection lost");
    await tick();
    batches[1]!.finish();
    await expect(next).resolves.toBe("done b");
  });

  it("writes the lanes independently: a slow lane does not hold another", async () => {
    const { batches, write } = controlledWriter();
    const group = new GroupCommit({ write, maxBatch: 10 });
    const slow = group.submit("org-1", "a");
    const quick = group.submit("org-2", "b");
    await tick();
    expect(batches.map((b) => [b.lane, b.items])).toEqual([
      ["org-1", ["a"]],
      ["org-2", ["b"]],
    ]);
    batches[1]!.finish();
    await expect(quick).resolves.toBe("done b");
    batches[0]!.finish();
    await expect(slow).resolves.toBe("done a");
  });
});
