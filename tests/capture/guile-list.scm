;; guile-list.scm: a known structure in a real Boehm GC program.
;; big-list: 20000 pairs, each car a 2-element vector holding a number and
;; a fresh string.  Captured through LD_PRELOAD (tests/capture/run-guile.sh):
;; on SIGUSR2 (raised below; memsnap captures at the next allocation) and
;; at exit.  Argument: the path the SIGUSR2 capture is written to.
(define big-list
  (let loop ((i 0) (acc '()))
    (if (= i 20000)
        acc
        (loop (+ i 1) (cons (vector i (number->string i)) acc)))))
(kill (getpid) SIGUSR2)
(define after (make-vector 100 0))   ; an allocation after the signal
;; The capture is made at the next allocation of any thread (Guile has a
;; few): wait until it is in place, so that it cannot catch `length' below
;; partway down the list (a pointer into the list would shorten its path).
(define capture (cadr (command-line)))   ; its path, from run-guile.sh
(let wait ((tries 0))
  (unless (or (file-exists? capture) (= tries 5000))
    (make-vector 100 0)
    (usleep 1000)
    (wait (+ tries 1))))
(display (length big-list))
(newline)
