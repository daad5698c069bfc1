;; guile-list.scm: a known structure in a real Boehm GC program.
;; big-list: 20000 pairs, each car a 2-element vector holding a number and
;; a fresh string.  Captured through LD_PRELOAD (tests/capture/run-guile.sh):
;; on SIGUSR2 (raised below; memsnap captures at the next allocation) and
;; at exit.
(define big-list
  (let loop ((i 0) (acc '()))
    (if (= i 20000)
        acc
        (loop (+ i 1) (cons (vector i (number->string i)) acc)))))
(kill (getpid) SIGUSR2)
(define after (make-vector 100 0))   ; an allocation after the signal
(display (length big-list))
(newline)
