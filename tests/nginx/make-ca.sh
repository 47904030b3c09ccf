#!/bin/bash
# make-ca.sh DIR: a throw-away certificate authority and a server
# certificate for 127.0.0.1 / localhost, for tests only.
#   DIR/ca.pem                 the CA certificate (give it to pwpkg as CA file)
#   DIR/server.pem, server.key the server certificate (nginx)
set -euo pipefail
dir=${1:?usage: make-ca.sh DIR}
mkdir -p "$dir"
cd "$dir"
command -v openssl >/dev/null || { echo "make-ca.sh: openssl not found" >&2; exit 1; }
curve=(-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes)
openssl req -x509 "${curve[@]}" -keyout ca.key -out ca.pem -days 2 \
    -subj "/CN=pwpkg test CA" \
    -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
openssl req -new "${curve[@]}" -keyout server.key -out server.csr \
    -subj "/CN=127.0.0.1" 2>/dev/null
cat > server.ext <<'EXT'
subjectAltName = IP:127.0.0.1, DNS:localhost
basicConstraints = CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
EXT
openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial \
    -out server.pem -days 2 -extfile server.ext 2>/dev/null
rm -f server.csr server.ext ca.srl
chmod 644 ca.pem server.pem server.key
echo "$dir/ca.pem"
