import { describe, expect, it } from "vitest";
import { ConfigError, parseServerConfig } from "../../src/config/server-config.js";

const H = 3600e3;

describe("redeliver_within against reconcile_interval", () => {
  it("refuses a window shorter than the interval between looks: deliveries failed between two looks would never be asked for again", () => {
    expect(() => parseServerConfig("reconcile_interval: 10m\nredeliver_within: 1m\n")).toThrow(ConfigError);
    expect(() => parseServerConfig("reconcile_interval: 10m\nredeliver_within: 1m\n")).toThrow(
      /redeliver_within \(1m\) is shorter than reconcile_interval \(10m\)/,
    );
  });

  it("a long interval widens the default window to one interval (no config that started before is refused now)", () => {
    expect(parseServerConfig("reconcile_interval: 2h\n").redeliver_within).toBe(2 * H);
    expect(parseServerConfig("reconcile_interval: 100h\n").redeliver_within).toBe(72 * H);
  });

  it("control: the defaults, a window as long as the interval or longer, and false are taken as written", () => {
    expect(parseServerConfig("").redeliver_within).toBe(H);
    expect(parseServerConfig("reconcile_interval: 10m\nredeliver_within: 10m\n").redeliver_within).toBe(10 * 60e3);
    expect(parseServerConfig("reconcile_interval: 10m\nredeliver_within: 3h\n").redeliver_within).toBe(3 * H);
    expect(parseServerConfig("reconcile_interval: 10m\nredeliver_within: false\n").redeliver_within).toBe(false);
  });
});
