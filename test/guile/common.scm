;;; Helpers shared by show.scm and eval.scm.

(use-modules (srfi srfi-1)
             (ice-9 match))

(define (json-string str)
  "STR as a JSON string literal, ASCII only (non-ASCII is \\u-escaped, so the
output does not depend on the locale)."
  (define (u-escape code)
    (string-append "\\u" (string-pad (number->string code 16) 4 #\0)))
  (string-append
   "\""
   (string-concatenate
    (map (lambda (ch)
           (let ((code (char->integer ch)))
             (cond ((char=? ch #\") "\\\"")
                   ((char=? ch #\\) "\\\\")
                   ((char=? ch #\newline) "\\n")
                   ((char=? ch #\tab) "\\t")
                   ((char=? ch #\return) "\\r")
                   ((< code #x20) (u-escape code))
                   ((< code #x7f) (string ch))
                   ((< code #x10000) (u-escape code))
                   (else
                    (let ((v (- code #x10000)))
                      (string-append
                       (u-escape (+ #xd800 (ash v -10)))
                       (u-escape (+ #xdc00 (logand v #x3ff)))))))))
         (string->list str)))
   "\""))

(define record-error-codes
  '(("invalid field specifier" . "invalid-field-specifier")
    ("duplicate field initializer" . "duplicate-field-initializer")
    ("extraneous field initializers" . "extraneous-field-initializers")
    ("missing field initializers" . "missing-field-initializers")))

(define (record-error-code who message)
  (and (memq who '(build-machine build-requirements))
       (any (match-lambda
              ((prefix . code) (and (string-prefix? prefix message) code)))
            record-error-codes)))

(define known-keys
  ;; Throw keys that are also our error codes.
  '(misc-error wrong-type-arg wrong-number-of-args unbound-variable
    syntax-error numerical-overflow out-of-range read-error match-error))

(define (enoent? args)
  (match args
    ((_ _ _ (errno . _)) (eqv? errno ENOENT))
    (_ #f)))

(define (error-code key args)
  "The error code our implementation uses for the Guile throw KEY/ARGS: the
throw key for the keys Guile itself throws; `file-not-found' for a
`system-error' with ENOENT and `file-error' for any other; the record codes
for the build-machine syntax errors; `uncaught-exception' for a raised
object and `uncaught-throw' for a key of the program's own."
  (match (cons key args)
    (('syntax-error who (? string? message) . _)
     (or (record-error-code who message) "syntax-error"))
    (('system-error . rest) (if (enoent? rest) "file-not-found" "file-error"))
    (('%exception . _) "uncaught-exception")
    (((? symbol?) . _)
     (if (memq key known-keys) (symbol->string key) "uncaught-throw"))
    (_ (object->string key))))

(define (json-object pairs)
  "PAIRS is a list of (KEY . JSON-TEXT)."
  (string-append
   "{"
   (string-join (map (match-lambda
                       ((key . value) (string-append (json-string key) ":" value)))
                     pairs)
                ",")
   "}"))
