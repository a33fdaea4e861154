/** Names of the stand-in images scripts/e2e/images.sh builds (never the official names). */
export const BASE_IMAGE = "eqmd-e2e/debian:bookworm";
