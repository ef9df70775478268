import { describe, expect, it } from "@jest/globals";
import { allocate } from "../src/domain/allocation.js";
import { addMonths, anchorDayOf, periodContaining } from "../src/domain/period.js";

describe("billing periods", () => {
  it("start on the signup day of every month", () => {
    expect(periodContaining(15, "2027-03-15")).toEqual({ start: "2027-03-15", end: "2027-04-15" });
    expect(periodContaining(15, "2027-03-14")).toEqual({ start: "2027-02-15", end: "2027-03-15" });
    expect(periodContaining(1, "2027-12-31")).toEqual({ start: "2027-12-01", end: "2028-01-01" });
  });

  it("start on the last day of a month too short for the anchor, then go back to it", () => {
    // Signed up on the 31st: February has no 31st, so that period starts on the 28th.
    expect(periodContaining(31, "2027-01-31")).toEqual({ start: "2027-01-31", end: "2027-02-28" });
    expect(periodContaining(31, "2027-02-27")).toEqual({ start: "2027-01-31", end: "2027-02-28" });
    expect(periodContaining(31, "2027-02-28")).toEqual({ start: "2027-02-28", end: "2027-03-31" });
    expect(periodContaining(31, "2027-04-30")).toEqual({ start: "2027-04-30", end: "2027-05-31" });
    expect(periodContaining(30, "2027-03-29")).toEqual({ start: "2027-02-28", end: "2027-03-30" });
  });

  it("use February 29th in leap years", () => {
    expect(periodContaining(29, "2028-02-29")).toEqual({ start: "2028-02-29", end: "2028-03-29" });
    expect(periodContaining(30, "2028-02-29")).toEqual({ start: "2028-02-29", end: "2028-03-30" });
    expect(periodContaining(29, "2027-02-28")).toEqual({ start: "2027-02-28", end: "2027-03-29" });
  });

  it("cross the year boundary", () => {
    expect(periodContaining(20, "2028-01-05")).toEqual({ start: "2027-12-20", end: "2028-01-20" });
  });

  it("take the anchor from the UTC day of signup", () => {
    expect(anchorDayOf(new Date("2027-01-31T23:30:00.000Z"))).toBe(31);
  });

  it("make packs last 12 calendar months, clamped in short months", () => {
    expect(addMonths(new Date("2027-03-10T12:00:00.000Z"), 12).toISOString()).toBe(
      "2028-03-10T12:00:00.000Z",
    );
    expect(addMonths(new Date("2028-02-29T00:00:00.000Z"), 12).toISOString()).toBe(
      "2029-02-28T00:00:00.000Z",
    );
  });
});

describe("allocation", () => {
  const packs = [
    { id: "old", remaining: 5 },
    { id: "new", remaining: 10 },
  ];

  it("takes the allowance first", () => {
    expect(allocate(3, 10, packs)).toEqual({ allowance: 3, packs: [] });
  });

  it("then packs, oldest first", () => {
    expect(allocate(18, 10, packs)).toEqual({
      allowance: 10,
      packs: [
        { packId: "old", amount: 5 },
        { packId: "new", amount: 3 },
      ],
    });
  });

  it("takes nothing when everything together is not enough", () => {
    expect(allocate(26, 10, packs)).toBeNull();
    expect(allocate(1, 0, [])).toBeNull();
  });
});
