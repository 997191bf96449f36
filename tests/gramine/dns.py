# A DNS responder for tests: every A query is answered 127.0.0.1, every
# other type with no records; each question is logged as "NAME QTYPE".
# Usage: python3 dns.py ADDRESS PORT LOGFILE
import socket, struct, sys
addr, port = sys.argv[1], int(sys.argv[2])
log = open(sys.argv[3], "a", buffering=1)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((addr, port))
while True:
    q, peer = s.recvfrom(512)
    if len(q) < 12:
        continue
    qid, flags, qd = struct.unpack(">HHH", q[:6])
    i = 12
    labels = []
    while i < len(q) and q[i]:
        labels.append(q[i + 1:i + 1 + q[i]].decode("ascii", "replace"))
        i += 1 + q[i]
    qtype, qclass = struct.unpack(">HH", q[i + 1:i + 5])
    question = q[12:i + 5]
    name = ".".join(labels)
    log.write(f"{name} {qtype}\n")
    an = b""
    if qtype == 1:
        an = b"\xc0\x0c" + struct.pack(">HHIH", 1, 1, 60, 4) + socket.inet_aton("127.0.0.1")
    hdr = struct.pack(">HHHHHH", qid, 0x8180, 1, 1 if an else 0, 0, 0)
    s.sendto(hdr + question + an, peer)
