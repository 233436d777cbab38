import { describe, expect, it } from "vitest";
import {
  addressNetwork,
  CLIENT_ADDRESS_HEADER,
  clientAddress,
  ROUTER_PROOF_HEADER,
  routerProof,
} from "#core/client-address";

const secret = "the-stage-server-secret";

const from = (directAddress: string, headers: Record<string, string>) =>
  clientAddress({ header: (name) => headers[name], directAddress, serverSecret: secret });

describe("clientAddress", () => {
  it("takes the Router's word for the viewer's address when it carries the Router's proof", () => {
    const headers = {
      [CLIENT_ADDRESS_HEADER]: "198.51.100.7",
      [ROUTER_PROOF_HEADER]: routerProof(secret),
    };
    expect(from("130.176.0.1", headers)).toBe("198.51.100.7");
  });

  it("otherwise judges by the address the request came from", () => {
    const stated = { [CLIENT_ADDRESS_HEADER]: "198.51.100.7" };
    expect(from("192.0.2.1", stated)).toBe("192.0.2.1");
    expect(from("192.0.2.1", { ...stated, [ROUTER_PROOF_HEADER]: "guessed" })).toBe("192.0.2.1");
    const otherStage = { ...stated, [ROUTER_PROOF_HEADER]: routerProof("another-secret") };
    expect(from("192.0.2.1", otherStage)).toBe("192.0.2.1");
  });

  it("never sends the secret itself as the proof", () => {
    expect(routerProof(secret)).not.toContain(secret);
    expect(routerProof(secret)).toMatch(/^[\w-]{43}$/);
  });
});

describe("addressNetwork", () => {
  it.each([
    ["203.0.113.9", "203.0.113.9"],
    ["::ffff:203.0.113.9", "203.0.113.9"],
    ["2001:db8:85a3:1:2:3:4:5", "2001:db8:85a3:1::/64"],
    ["2001:DB8:85A3:0001:ffff::1", "2001:db8:85a3:1::/64"],
    ["2001:db8::1", "2001:db8:0:0::/64"],
    ["::1", "0:0:0:0::/64"],
  ])("%s counts as %s", (address, network) => {
    expect(addressNetwork(address)).toBe(network);
  });

  it("puts every address of one /64 together, and the next /64 apart", () => {
    expect(addressNetwork("2001:db8:1:2:aaaa::1")).toBe(addressNetwork("2001:db8:1:2:ffff::9"));
    expect(addressNetwork("2001:db8:1:2::1")).not.toBe(addressNetwork("2001:db8:1:3::1"));
  });
});
