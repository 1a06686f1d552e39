// A client certificate no broker trusts, for tls-churn's `bad-client-cert` handshakes: self-signed (P-256,
// valid until 2126), generated once with openssl for this purpose only. Its key is public on purpose: it
// grants nothing anywhere, and a broker that accepts it has shown it does not check client certificates.

export const UNTRUSTED_CLIENT_CERT = `-----BEGIN CERTIFICATE-----
MIIBxjCCAW2gAwIBAgIUECUJ9IHi2Q7RpUBcselZriXKeXYwCgYIKoZIzj0EAwIw
ODE2MDQGA1UEAwwtbXFsZWFrIHVudHJ1c3RlZCBjbGllbnQgKHJlamVjdGVkIG9u
IHB1cnBvc2UpMCAXDTI2MTEyMTE0MTcyOVoYDzIxMjYxMDI4MTQxNzI5WjA4MTYw
NAYDVQQDDC1tcWxlYWsgdW50cnVzdGVkIGNsaWVudCAocmVqZWN0ZWQgb24gcHVy
cG9zZSkwWTATBgcqhkjOPQIBBggqhkjOPQMBBwNCAATN3yP0Uzxju64GxQlJVy1S
zMKEo6WmNgL85muiWI0cwU9xG2tJyHbHid6UfkPdg7Gbli/ibFXTHgE4SoxWHZrS
o1MwUTAdBgNVHQ4EFgQU0LrS2wjTl5NWnn08F8xvfDJjg6swHwYDVR0jBBgwFoAU
0LrS2wjTl5NWnn08F8xvfDJjg6swDwYDVR0TAQH/BAUwAwEB/zAKBggqhkjOPQQD
AgNHADBEAiABqp7d8PVoCDdHzaQfbmkKJsagPmF8nbEcO49Z6mwoLwIgEUThsF+S
tWTQQ5ZA6d2kHJe5Rsa+hFY3lR+htrldDlA=
-----END CERTIFICATE-----
`;

export const UNTRUSTED_CLIENT_KEY = `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg0nGDnzEN3D5XKW1q
4690ruHl28rnk9M8LEvC6pNZlIShRANCAATN3yP0Uzxju64GxQlJVy1SzMKEo6Wm
NgL85muiWI0cwU9xG2tJyHbHid6UfkPdg7Gbli/ibFXTHgE4SoxWHZrS
-----END PRIVATE KEY-----
`;
