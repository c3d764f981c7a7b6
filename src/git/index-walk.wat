;; The walk over an index file's entries (versions 2 and 3), for src/git/index-file.ts.
;;
;; Every commit's check walks the whole index (100,000 entries in a large monorepo) to find the
;; few thousand it wants. In JavaScript that loop costs ~50 ms of baseline code plus ~35 ms of
;; CPU for V8 to optimise it, once per process; here it is ~2 ms. It finds the entries that
;; match; decoding them and everything else stays in TypeScript (src/git/index-file.ts).
;;
;; `npm run wasm` compiles this file to src/git/index-walk-wasm.ts (wabt); a test checks that
;; the two agree. Format: gitindex-format(5).
(module
  (memory (export "memory") 13)

  ;; Where things are in memory (read by the TypeScript side, which fills the tables, the lists
  ;; and the window):
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
  ;; the entries found: (entry offset, path offset, path length, what matched: 1 a directory,
  ;; 2 a name, 3 both) as i32 quads, offsets in the window. A window holds at most 262144 / 64
  ;; entries, so 4096 quads always fit.
  (global (export "hitsAt") i32 (i32.const 327680))
  ;; each found entry's blob id in hex, 40 bytes apiece;
  (global (export "hexAt") i32 (i32.const 393216))
  ;; each found entry's path, one after another, each ended by a NUL (they fit: each came from the
  ;; window, with a NUL after it there too).
  (global (export "pathsAt") i32 (i32.const 557056))

  ;; What the last walk did: the window offset it stopped at, the entries it passed, the
  ;; candidates it wrote.
  (global $stoppedAt (export "stoppedAt") (mut i32) (i32.const 0))
  (global $walked (export "walked") (mut i32) (i32.const 0))
  (global $found (export "found") (mut i32) (i32.const 0))
  (global $pathsLength (export "pathsLength") (mut i32) (i32.const 0))

  ;; The 20 bytes at window offset $from as 40 lowercase hex digits at memory offset $to.
  (func $hex (param $from i32) (param $to i32)
    (local $i i32) (local $byte i32) (local $digit i32)
    (loop $each
      (local.set $byte (i32.load8_u offset=65536 (i32.add (local.get $from) (local.get $i))))
      (local.set $digit (i32.shr_u (local.get $byte) (i32.const 4)))
      (i32.store8 (i32.add (local.get $to) (i32.shl (local.get $i) (i32.const 1)))
        (i32.add (local.get $digit) (select (i32.const 87) (i32.const 48) (i32.gt_u (local.get $digit) (i32.const 9)))))
      (local.set $digit (i32.and (local.get $byte) (i32.const 15)))
      (i32.store8 offset=1 (i32.add (local.get $to) (i32.shl (local.get $i) (i32.const 1)))
        (i32.add (local.get $digit) (select (i32.const 87) (i32.const 48) (i32.gt_u (local.get $digit) (i32.const 9)))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $each (i32.lt_u (local.get $i) (i32.const 20)))))

  ;; Whether window bytes [$a, $a + $n) equal memory bytes [$b, $b + $n).
  (func $same (param $a i32) (param $b i32) (param $n i32) (result i32)
    (block $differ
      (loop $byte
        (if (i32.eqz (local.get $n)) (then (return (i32.const 1))))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br_if $differ (i32.ne (i32.load8_u offset=65536 (i32.add (local.get $a) (local.get $n)))
                               (i32.load8_u (i32.add (local.get $b) (local.get $n)))))
        (br $byte)))
    (i32.const 0))

  ;; 1 if the path at window offset $at is one of the directories or under one, else 0.
  (func $inDirs (param $at i32) (param $len i32) (result i32)
    (local $q i32) (local $n i32)
    (local.set $q (i32.const 1024))
    (block $end
      (loop $dir
        (local.set $n (i32.load8_u (local.get $q)))
        (br_if $end (i32.eqz (local.get $n)))
        (if (i32.and
              (i32.or (i32.eq (local.get $len) (local.get $n))
                      (i32.and (i32.gt_u (local.get $len) (local.get $n))
                               (i32.eq (i32.load8_u offset=65536 (i32.add (local.get $at) (local.get $n))) (i32.const 47))))
              (call $same (local.get $at) (i32.add (local.get $q) (i32.const 1)) (local.get $n)))
          (then (return (i32.const 1))))
        (local.set $q (i32.add (local.get $q) (i32.add (local.get $n) (i32.const 1))))
        (br $dir)))
    (i32.const 0))

  ;; 2 if the path at window offset $at ends in `/name` or is `name`, for one of the names, else 0.
  (func $named (param $at i32) (param $len i32) (result i32)
    (local $q i32) (local $n i32)
    ;; the names follow the directories' list and its 0
    (local.set $q (i32.const 1024))
    (block $skipped
      (loop $skip
        (local.set $n (i32.load8_u (local.get $q)))
        (local.set $q (i32.add (local.get $q) (i32.add (local.get $n) (i32.const 1))))
        (br_if $skipped (i32.eqz (local.get $n)))
        (br $skip)))
    (block $end
      (loop $name
        (local.set $n (i32.load8_u (local.get $q)))
        (br_if $end (i32.eqz (local.get $n)))
        (if (i32.and (i32.ge_u (local.get $len) (local.get $n))
                     (call $same (i32.sub (i32.add (local.get $at) (local.get $len)) (local.get $n)) (i32.add (local.get $q) (i32.const 1)) (local.get $n)))
          (then (return (i32.const 2))))
        (if (i32.and (i32.eq (local.get $len) (i32.sub (local.get $n) (i32.const 1)))
                     (call $same (local.get $at) (i32.add (local.get $q) (i32.const 2)) (i32.sub (local.get $n) (i32.const 1))))
          (then (return (i32.const 2))))
        (local.set $q (i32.add (local.get $q) (i32.add (local.get $n) (i32.const 1))))
        (br $name)))
    (i32.const 0))

  ;; Walks entries from window offset $p, at most $left of them, while each lies whole in the
  ;; window ($eof: the window reaches the end of the file), and writes each that matches to the
  ;; hits. Returns 0 when it stopped there,
  ;; 1 before an entry whose path is 0xfff bytes or longer (the caller reads it), 2 when an
  ;; entry does not add up (not an index this walk can read).
  (func (export "walk") (param $p i32) (param $end i32) (param $eof i32) (param $left i32) (param $version i32) (result i32)
    (local $n i32) (local $flags i32) (local $len i32) (local $at i32) (local $dl i32) (local $nl i32) (local $hits i32) (local $code i32) (local $match i32) (local $paths i32)
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
        ;; a candidate: a directory's first byte and the slash after it, or a name's last byte
        ;; and the slash before it (or the whole path is the name); then the whole test
        (local.set $dl (i32.load8_u (i32.load8_u offset=65536 (local.get $at))))
        (local.set $nl (i32.load8_u offset=256 (i32.load8_u offset=65535 (i32.add (local.get $at) (local.get $len)))))
        (if (i32.or
              (if (result i32) (local.get $dl)
                (then (i32.or (i32.or (i32.eq (local.get $dl) (i32.const 255)) (i32.eq (local.get $len) (local.get $dl)))
                        (i32.and (i32.gt_u (local.get $len) (local.get $dl))
                                 (i32.eq (i32.load8_u offset=65536 (i32.add (local.get $at) (local.get $dl))) (i32.const 47)))))
                (else (i32.const 0)))
              (if (result i32) (local.get $nl)
                (then (i32.or (i32.or (i32.eq (local.get $nl) (i32.const 255)) (i32.eq (local.get $len) (i32.sub (local.get $nl) (i32.const 1))))
                        (i32.and (i32.ge_u (local.get $len) (local.get $nl))
                                 (i32.eq (i32.load8_u offset=65536 (i32.sub (i32.add (local.get $at) (local.get $len)) (local.get $nl))) (i32.const 47)))))
                (else (i32.const 0))))
          (then
            (local.set $match (i32.or (call $inDirs (local.get $at) (local.get $len)) (call $named (local.get $at) (local.get $len))))
            (if (local.get $match)
              (then
                (i32.store offset=327680 (i32.shl (local.get $hits) (i32.const 4)) (local.get $p))
                (i32.store offset=327684 (i32.shl (local.get $hits) (i32.const 4)) (local.get $at))
                (i32.store offset=327688 (i32.shl (local.get $hits) (i32.const 4)) (local.get $len))
                (i32.store offset=327692 (i32.shl (local.get $hits) (i32.const 4)) (local.get $match))
                (call $hex (i32.add (local.get $p) (i32.const 40)) (i32.add (i32.const 393216) (i32.mul (local.get $hits) (i32.const 40))))
                (memory.copy (i32.add (i32.const 557056) (local.get $paths)) (i32.add (i32.const 65536) (local.get $at)) (local.get $len))
                (i32.store8 offset=557056 (i32.add (local.get $paths) (local.get $len)) (i32.const 0))
                (local.set $paths (i32.add (local.get $paths) (i32.add (local.get $len) (i32.const 1))))
                (local.set $hits (i32.add (local.get $hits) (i32.const 1)))))))
        ;; the next entry: this one's header and path, padded to a multiple of 8 with 1–8 NULs
        (local.set $p (i32.add (local.get $p)
          (i32.and (i32.add (i32.add (i32.sub (local.get $at) (local.get $p)) (local.get $len)) (i32.const 8)) (i32.const -8))))
        (local.set $n (i32.add (local.get $n) (i32.const 1)))
        (br $next)))
    (global.set $stoppedAt (local.get $p))
    (global.set $walked (local.get $n))
    (global.set $found (local.get $hits))
    (global.set $pathsLength (local.get $paths))
    (local.get $code))
)
