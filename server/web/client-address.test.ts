import { describe, expect, it } from "vitest";
import { clientAddress } from "./client-address";

describe("the client address the web app trusts", () => {
  it("is the socket's address when no proxy is trusted, whatever the client claims", () => {
    expect(clientAddress("1.2.3.4", "203.0.113.9", 0)).toBe("203.0.113.9");
    expect(clientAddress(["1.2.3.4", "5.6.7.8"], "203.0.113.9", 0)).toBe("203.0.113.9");
    expect(clientAddress(undefined, undefined, 0)).toBe("unknown");
  });

  it("behind trusted proxies, is the address the outermost trusted proxy saw", () => {
    // client → proxy (adds the client) → app: one hop.
    expect(clientAddress("198.51.100.7", "10.0.0.2", 1)).toBe("198.51.100.7");
    // A client that forges the header only adds entries to the left of what the proxy appended.
    expect(clientAddress("6.6.6.6, 198.51.100.7", "10.0.0.2", 1)).toBe("198.51.100.7");
    // client → CDN → load balancer → app: two hops.
    expect(clientAddress("6.6.6.6, 198.51.100.7, 10.0.0.9", "10.0.0.2", 2)).toBe("198.51.100.7");
    // Fewer entries than hops: the leftmost one there is.
    expect(clientAddress("", "10.0.0.2", 3)).toBe("10.0.0.2");
  });
});
