;; The walk over an index file's entries, for src/git/index-file.ts.
;;
;; Every commit's check walks the whole index (100,000 entries in a large monorepo) to find the
;; few thousand it wants. In JavaScript that loop costs ~50 ms of baseline code plus ~35 ms of
;; CPU for V8 to optimise it, once per process; here it is ~2 ms. It finds the entries that
;; match and writes their paths and hex ids; decoding them into strings and everything else stays
;; in TypeScript (src/git/index-file.ts).
;;
;; `npm run wasm` compiles this file to src/git/index-walk-wasm.ts (wabt); a test checks that
;; the two agree. Format: gitindex-format(5).
(module
  (memory (export "memory") 14)

  ;; Where things are in memory (the TypeScript side fills the tables, the lists and the window):
  ;; by a path's first byte, the length of the one directory starting so (255: several, 0: none);
  (global (export "dirLengthAt") i32 (i32.const 0))
  ;; by a path's last byte, the length of `/name` for the one name ending so (same convention);
  (global (export "nameLengthAt") i32 (i32.const 256))
  ;; the directories, then the names (each with its leading slash), each as a length byte (1–255)
  ;; and its bytes, each list ended by a 0;
  (global (export "listsAt") i32 (i32.const 1024))
  (global (export "listsSize") i32 (i32.const 64512))
  ;; the window of the file being walked;
  (global (export "windowAt") i32 (i32.const 65536))
  (global (export "windowSize") i32 (i32.const 262144))
  ;; the entries found: (entry offset in the window, path length, what matched: 1 a directory,
  ;; 2 a name, 3 both, unused) as i32 quads. An entry takes at least 64 bytes, so a window holds
  ;; at most 4096 of them, and their quads always fit;
  (global (export "hitsAt") i32 (i32.const 327680))
  ;; each found entry's blob id in hex, 40 bytes apiece;
  (global (export "hexAt") i32 (i32.const 393216))
  ;; each found entry's path, one after another, each ended by a NUL (262144 bytes);
  (global (export "pathsAt") i32 (i32.const 557056))
  ;; version 4: the path of the entry before, which the next one cuts and extends (65536 bytes).
  (global (export "pathAt") i32 (i32.const 819200))

  ;; What the last walk did: the window offset it stopped at, the entries it passed, the entries
  ;; it found, the bytes of their paths.
  (global $stoppedAt (export "stoppedAt") (mut i32) (i32.const 0))
  (global $walked (export "walked") (mut i32) (i32.const 0))
  (global $found (export "found") (mut i32) (i32.const 0))
  (global $pathsLength (export "pathsLength") (mut i32) (i32.const 0))
  ;; version 4: the length of the path at pathAt; 0 before the first entry (the caller resets it).
  (global $pathLength (export "pathLength") (mut i32) (i32.const 0))

  ;; Whether memory bytes [$a, $a + $n) and [$b, $b + $n) are equal.
  (func $same (param $a i32) (param $b i32) (param $n i32) (result i32)
    (block $differ
      (loop $byte
        (if (i32.eqz (local.get $n)) (then (return (i32.const 1))))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br_if $differ (i32.ne (i32.load8_u (i32.add (local.get $a) (local.get $n)))
                               (i32.load8_u (i32.add (local.get $b) (local.get $n)))))
        (br $byte)))
    (i32.const 0))

  ;; Whether the path at $path, $len bytes, may match: a directory's first byte and the slash
  ;; after it, or a name's last byte and the slash before it (or the whole path is the name).
  ;; Nearly every path fails here, before any loop.
  (func $candidate (param $path i32) (param $len i32) (result i32)
    (local $dl i32) (local $nl i32)
    (local.set $dl (i32.load8_u (i32.load8_u (local.get $path))))
    (local.set $nl (i32.load8_u offset=256 (i32.load8_u offset=0 (i32.sub (i32.add (local.get $path) (local.get $len)) (i32.const 1)))))
    (i32.or
      (if (result i32) (local.get $dl)
        (then (i32.or (i32.or (i32.eq (local.get $dl) (i32.const 255)) (i32.eq (local.get $len) (local.get $dl)))
                (i32.and (i32.gt_u (local.get $len) (local.get $dl))
                         (i32.eq (i32.load8_u (i32.add (local.get $path) (local.get $dl))) (i32.const 47)))))
        (else (i32.const 0)))
      (if (result i32) (local.get $nl)
        (then (i32.or (i32.or (i32.eq (local.get $nl) (i32.const 255)) (i32.eq (local.get $len) (i32.sub (local.get $nl) (i32.const 1))))
                (i32.and (i32.ge_u (local.get $len) (local.get $nl))
                         (i32.eq (i32.load8_u (i32.sub (i32.add (local.get $path) (local.get $len)) (local.get $nl))) (i32.const 47)))))
        (else (i32.const 0)))))

  ;; What the path at $path, $len bytes, matches: 1 if it is one of the directories or under one,
  ;; plus 2 if it ends in `/name` or is `name` for one of the names. Exported for the rare entry
  ;; the walk leaves to its caller (a path of 0xfff bytes or more, in the window).
  (func $match (export "match") (param $path i32) (param $len i32) (result i32)
    (local $q i32) (local $n i32) (local $found i32)
    (local.set $q (i32.const 1024))
    (block $dirsDone
      (loop $dir
        (local.set $n (i32.load8_u (local.get $q)))
        (br_if $dirsDone (i32.eqz (local.get $n)))
        (if (i32.and
              (i32.or (i32.eq (local.get $len) (local.get $n))
                      (i32.and (i32.gt_u (local.get $len) (local.get $n))
                               (i32.eq (i32.load8_u (i32.add (local.get $path) (local.get $n))) (i32.const 47))))
              (call $same (local.get $path) (i32.add (local.get $q) (i32.const 1)) (local.get $n)))
          (then (local.set $found (i32.const 1))))
        (local.set $q (i32.add (local.get $q) (i32.add (local.get $n) (i32.const 1))))
        (br $dir)))
    ;; the names follow the directories' 0
    (local.set $q (i32.add (local.get $q) (i32.const 1)))
    (block $namesDone
      (loop $name
        (local.set $n (i32.load8_u (local.get $q)))
        (br_if $namesDone (i32.eqz (local.get $n)))
        (if (i32.or
              (i32.and (i32.ge_u (local.get $len) (local.get $n))
                       (call $same (i32.sub (i32.add (local.get $path) (local.get $len)) (local.get $n)) (i32.add (local.get $q) (i32.const 1)) (local.get $n)))
              (i32.and (i32.eq (local.get $len) (i32.sub (local.get $n) (i32.const 1)))
                       (call $same (local.get $path) (i32.add (local.get $q) (i32.const 2)) (i32.sub (local.get $n) (i32.const 1)))))
          (then (return (i32.or (local.get $found) (i32.const 2)))))
        (local.set $q (i32.add (local.get $q) (i32.add (local.get $n) (i32.const 1))))
        (br $name)))
    (local.get $found))

  ;; Records the entry at window offset $p, its path at $path ($len bytes), as found: its quad,
  ;; its blob id (20 bytes at 40) in lowercase hex, its path and a NUL.
  (func $record (param $p i32) (param $path i32) (param $len i32) (param $match i32)
    (local $i i32) (local $byte i32) (local $digit i32) (local $to i32)
    (i32.store offset=327680 (i32.shl (global.get $found) (i32.const 4)) (local.get $p))
    (i32.store offset=327684 (i32.shl (global.get $found) (i32.const 4)) (local.get $len))
    (i32.store offset=327688 (i32.shl (global.get $found) (i32.const 4)) (local.get $match))
    (local.set $to (i32.add (i32.const 393216) (i32.mul (global.get $found) (i32.const 40))))
    (loop $each
      (local.set $byte (i32.load8_u offset=65576 (i32.add (local.get $p) (local.get $i))))
      (local.set $digit (i32.shr_u (local.get $byte) (i32.const 4)))
      (i32.store8 (i32.add (local.get $to) (i32.shl (local.get $i) (i32.const 1)))
        (i32.add (local.get $digit) (select (i32.const 87) (i32.const 48) (i32.gt_u (local.get $digit) (i32.const 9)))))
      (local.set $digit (i32.and (local.get $byte) (i32.const 15)))
      (i32.store8 offset=1 (i32.add (local.get $to) (i32.shl (local.get $i) (i32.const 1)))
        (i32.add (local.get $digit) (select (i32.const 87) (i32.const 48) (i32.gt_u (local.get $digit) (i32.const 9)))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $each (i32.lt_u (local.get $i) (i32.const 20))))
    (memory.copy (i32.add (i32.const 557056) (global.get $pathsLength)) (local.get $path) (local.get $len))
    (i32.store8 offset=557056 (i32.add (global.get $pathsLength) (local.get $len)) (i32.const 0))
    (global.set $pathsLength (i32.add (global.get $pathsLength) (i32.add (local.get $len) (i32.const 1))))
    (global.set $found (i32.add (global.get $found) (i32.const 1))))

  ;; Versions 2 and 3. Walks entries from window offset $p, at most $left of them, while each lies
  ;; whole in the window ($eof: the window reaches the end of the file), and records each that
  ;; matches. Returns 0 when it stopped there, 1 before an entry whose path is 0xfff bytes or
  ;; longer (the caller reads that one), 2 when an entry does not add up (not an index this walk
  ;; can read).
  (func (export "walk") (param $p i32) (param $end i32) (param $eof i32) (param $left i32) (param $version i32) (result i32)
    (local $n i32) (local $flags i32) (local $len i32) (local $at i32) (local $match i32) (local $code i32)
    (global.set $found (i32.const 0))
    (global.set $pathsLength (i32.const 0))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $n) (local.get $left)))
        ;; 62 or 64 bytes, a path under 0xfff bytes, up to 8 NULs
        (if (i32.eqz (local.get $eof))
          (then (br_if $done (i32.gt_u (i32.add (local.get $p) (i32.const 4168)) (local.get $end)))))
        ;; flags: 16 bits at 60 (the window is at 65536)
        (local.set $flags (i32.or
          (i32.shl (i32.load8_u offset=65596 (local.get $p)) (i32.const 8))
          (i32.load8_u offset=65597 (local.get $p))))
        (local.set $len (i32.and (local.get $flags) (i32.const 0xfff)))
        (if (i32.eq (local.get $len) (i32.const 0xfff))
          (then (local.set $code (i32.const 1)) (br $done)))
        (local.set $at (i32.add (local.get $p) (i32.const 62)))
        ;; extended flags (version 3): two more bytes before the path
        (if (i32.and (local.get $flags) (i32.const 0x4000))
          (then
            (if (i32.lt_u (local.get $version) (i32.const 3))
              (then (local.set $code (i32.const 2)) (br $done)))
            (local.set $at (i32.add (local.get $p) (i32.const 64)))))
        ;; a path is not empty, and a NUL ends it
        (if (i32.or (i32.eqz (local.get $len))
              (i32.or (i32.ge_u (i32.add (local.get $at) (local.get $len)) (local.get $end))
                      (i32.ne (i32.load8_u offset=65536 (i32.add (local.get $at) (local.get $len))) (i32.const 0))))
          (then (local.set $code (i32.const 2)) (br $done)))
        (if (call $candidate (i32.add (i32.const 65536) (local.get $at)) (local.get $len))
          (then
            (local.set $match (call $match (i32.add (i32.const 65536) (local.get $at)) (local.get $len)))
            (if (local.get $match)
              (then (call $record (local.get $p) (i32.add (i32.const 65536) (local.get $at)) (local.get $len) (local.get $match))))))
        ;; the next entry: this one's header and path, padded to a multiple of 8 with 1–8 NULs
        (local.set $p (i32.add (local.get $p)
          (i32.and (i32.add (i32.add (i32.sub (local.get $at) (local.get $p)) (local.get $len)) (i32.const 8)) (i32.const -8))))
        (local.set $n (i32.add (local.get $n) (i32.const 1)))
        (br $next)))
    (global.set $stoppedAt (local.get $p))
    (global.set $walked (local.get $n))
    (local.get $code))

  ;; Version 4: each path is the one before, less its last N bytes (a varint), plus a NUL-ended
  ;; tail, with no padding. The same walk and answers as above; a path that would be longer than
  ;; 65536 bytes, or a tail that does not end in the window's first 65536 bytes, returns 2 (the
  ;; caller asks git).
  (func (export "walk4") (param $p i32) (param $end i32) (param $eof i32) (param $left i32) (result i32)
    (local $n i32) (local $flags i32) (local $q i32) (local $c i32) (local $strip i32) (local $nul i32)
    (local $len i32) (local $match i32) (local $code i32) (local $limit i32)
    (global.set $found (i32.const 0))
    (global.set $pathsLength (i32.const 0))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $n) (local.get $left)))
        ;; 64 bytes of header and varint, and a tail: stop 65600 bytes before a window's end
        (if (i32.eqz (local.get $eof))
          (then (br_if $done (i32.gt_u (i32.add (local.get $p) (i32.const 65600)) (local.get $end)))))
        (local.set $flags (i32.or
          (i32.shl (i32.load8_u offset=65596 (local.get $p)) (i32.const 8))
          (i32.load8_u offset=65597 (local.get $p))))
        (local.set $q (i32.add (local.get $p) (select (i32.const 64) (i32.const 62) (i32.and (local.get $flags) (i32.const 0x4000)))))
        ;; git's varint: 7 bits a byte, high bit "more", each continuation adds one
        (local.set $c (i32.load8_u offset=65536 (local.get $q)))
        (local.set $strip (i32.and (local.get $c) (i32.const 127)))
        (block $varint
          (loop $more
            (br_if $varint (i32.eqz (i32.and (local.get $c) (i32.const 128))))
            (local.set $q (i32.add (local.get $q) (i32.const 1)))
            (local.set $c (i32.load8_u offset=65536 (local.get $q)))
            (if (i32.gt_u (local.get $strip) (i32.const 0xffff))
              (then (local.set $code (i32.const 2)) (br $done)))
            (local.set $strip (i32.or (i32.shl (i32.add (local.get $strip) (i32.const 1)) (i32.const 7))
                                      (i32.and (local.get $c) (i32.const 127))))
            (br $more)))
        (local.set $q (i32.add (local.get $q) (i32.const 1)))
        (if (i32.gt_u (local.get $strip) (global.get $pathLength))
          (then (local.set $code (i32.const 2)) (br $done)))
        ;; the tail's NUL, within the window and 65536 bytes
        (local.set $limit (select (local.get $end) (i32.add (local.get $q) (i32.const 65536))
                                  (i32.lt_u (local.get $end) (i32.add (local.get $q) (i32.const 65536)))))
        (local.set $nul (local.get $q))
        (block $found
          (loop $scan
            (if (i32.ge_u (local.get $nul) (local.get $limit))
              (then (local.set $code (i32.const 2)) (br $done)))
            (br_if $found (i32.eqz (i32.load8_u offset=65536 (local.get $nul))))
            (local.set $nul (i32.add (local.get $nul) (i32.const 1)))
            (br $scan)))
        (local.set $len (i32.add (i32.sub (global.get $pathLength) (local.get $strip)) (i32.sub (local.get $nul) (local.get $q))))
        (if (i32.or (i32.eqz (local.get $len)) (i32.gt_u (local.get $len) (i32.const 65536)))
          (then (local.set $code (i32.const 2)) (br $done)))
        ;; the paths found must have room for this one: else stop before it, state untouched
        (if (i32.gt_u (i32.add (global.get $pathsLength) (i32.add (local.get $len) (i32.const 1))) (i32.const 262144))
          (then (br $done)))
        (memory.copy (i32.add (i32.const 819200) (i32.sub (global.get $pathLength) (local.get $strip)))
                     (i32.add (i32.const 65536) (local.get $q))
                     (i32.sub (local.get $nul) (local.get $q)))
        (global.set $pathLength (local.get $len))
        (if (call $candidate (i32.const 819200) (local.get $len))
          (then
            (local.set $match (call $match (i32.const 819200) (local.get $len)))
            (if (local.get $match)
              (then (call $record (local.get $p) (i32.const 819200) (local.get $len) (local.get $match))))))
        (local.set $p (i32.add (local.get $nul) (i32.const 1)))
        (local.set $n (i32.add (local.get $n) (i32.const 1)))
        (br $next)))
    (global.set $stoppedAt (local.get $p))
    (global.set $walked (local.get $n))
    (local.get $code))
)
