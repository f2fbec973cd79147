;;; Evaluate Scheme expressions with Guile and print each value the way
;;; `write' does, for comparison with `offload eval':
;;;
;;;   guile --no-auto-compile -s test/guile/eval.scm EXPR...
;;;       one line per EXPR: the written value, or `#<error CODE>'
;;;   guile --no-auto-compile -s test/guile/eval.scm --file FILE
;;;       one JSON object per top-level datum of FILE:
;;;       {"start": S, "end": E, "value": WRITTEN} or {..., "error": CODE}
;;;       where [S, E) are the byte offsets of the text that held the datum
;;;       (from the end of the previous datum, so leading comments are
;;;       included) -- the test hands exactly that text to our evaluator.
;;;
;;; Each expression is evaluated on its own, in a fresh user module that
;;; imports the stand-in `(guix scripts offload)', like a machines file.
;;; Anything the expression prints is discarded.  Error codes are mapped as
;;; in show.scm (see common.scm).

(use-modules (ice-9 match)
             (ice-9 rdelim))

(load "build-machine.scm")
(load "common.scm")

(define (fresh-module)
  (let ((module (make-fresh-user-module)))
    (module-use! module (resolve-interface '(guix scripts offload)))
    module))

(define (evaluate expression)
  "Evaluate EXPRESSION in a fresh module; return (value . WRITTEN) or
(error . CODE)."
  (catch #t
    (lambda ()
      (let* ((value #f)
             (output (with-output-to-string
                       (lambda ()
                         (set! value (eval expression (fresh-module)))))))
        (cons 'value (object->string value))))
    (lambda (key . args)
      (cons 'error (error-code key args)))))

(define (evaluate-string text)
  "Evaluate every datum of TEXT in one fresh module, like `offload eval'.
What it prints (display, format's error reports) is discarded."
  (catch #t
    (lambda ()
      (let ((port (open-input-string text))
            (module (fresh-module))
            (result #f))
        (with-output-to-string
          (lambda ()
            (set! result
                  (let loop ((value *unspecified*))
                    (let ((datum (read port)))
                      (if (eof-object? datum)
                          (cons 'value (object->string value))
                          (loop (eval datum module))))))))
        result))
    (lambda (key . args)
      (cons 'error (error-code key args)))))

(define (print-line result)
  (match result
    (('value . written) (display written))
    (('error . code) (format #t "#<error ~a>" code)))
  (newline))

(define (position port)
  (seek port 0 SEEK_CUR))

(define (evaluate-file file)
  (let ((port (open-file file "r" #:encoding "UTF-8")))
    (let loop ((start 0))
      (let* ((datum (catch 'read-error
                      (lambda () (read port))
                      (lambda (key . args)
                        (format (current-error-port)
                                "eval.scm: ~a: read error ~s~%" file args)
                        (exit 2))))
             (end (position port)))
        (unless (eof-object? datum)
          (display
           (json-object
            `(("start" . ,(number->string start))
              ("end" . ,(number->string end))
              ,(match (evaluate datum)
                 (('value . written) `("value" . ,(json-string written)))
                 (('error . code) `("error" . ,(json-string code)))))))
          (newline)
          (loop end))))))

(match (cdr (command-line))
  (("--file" file)
   (evaluate-file file))
  ((expressions ...)
   (for-each (compose print-line evaluate-string) expressions)))
