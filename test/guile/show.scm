;;; Load machines files the way Guix's `guix offload' does and print, for
;;; each, the JSON report that `offload show --json' prints:
;;;
;;;   guile --no-auto-compile -s test/guile/show.scm FILE
;;;   guile --no-auto-compile -s test/guile/show.scm --batch FILE...
;;;
;;; With --batch, one report per line, in argument order (one Guile process
;;; for many files keeps the differential tests fast).
;;;
;;; Loading: a fresh user module (Guile's default bindings) that imports the
;;; stand-in `(guix scripts offload)' of build-machine.scm, `primitive-load'
;;; of FILE, last value must be a list of build-machine records.  Conventions
;;; shared with our implementation (see test/differential/machines.test.ts):
;;;
;;;   - lines and columns are 1-based (Guile's source columns are 0-based);
;;;   - relative file names inside FILE resolve against FILE's directory: the
;;;     load runs with that directory as the working directory;
;;;   - a `system-error' with ENOENT anywhere in the load (the file itself, a
;;;     file it reads, includes or loads) is what Guix's `build-machines'
;;;     turns into an empty machine list: no machines and a `missing-file'
;;;     warning naming the file; any other `system-error' is `file-error';
;;;   - fields whose value has a type Guix cannot use get a `wrong-field-type'
;;;     warning each (offload's own diagnostic, checked here independently);
;;;   - record syntax errors get the codes invalid-field-specifier,
;;;     duplicate-field-initializer, extraneous-field-initializers,
;;;     missing-field-initializers; other errors keep Guile's throw key;
;;;   - a read error's location is the position Guile's reader reports: the
;;;     1-based line and column where it stopped (just past the offending
;;;     character, or the end of the file).

(use-modules (srfi srfi-1)
             (ice-9 match)
             (ice-9 regex))

(load "build-machine.scm")
(load "common.scm")
(use-modules (guix scripts offload))

(define build-machine-fields
  ;; All raw fields, including the ones Guix does not export.
  (@@ (guix scripts offload) build-machine-fields))

;;;
;;; JSON output.
;;;

(define (json-number n)
  (let ((text (number->string (if (exact? n) n (exact->inexact n)))))
    (if (string-match "^-?[0-9]+(\\.[0-9]+)?(e-?[0-9]+)?$" text)
        text
        (json-string text))))

(define (json-array items)
  (string-append "[" (string-join items ",") "]"))

(define (scheme->json value)
  "VALUE as JSON: strings, real numbers, booleans and proper lists map
directly (exact rationals become inexact); anything else becomes the string
that `write' prints for it."
  (cond ((string? value) (json-string value))
        ((eq? value #t) "true")
        ((eq? value #f) "false")
        ((and (number? value) (exact? value) (integer? value))
         (number->string value))
        ((and (number? value) (real? value))
         (let ((x (exact->inexact value)))
           (if (or (inf? x) (nan? x))
               (json-string (object->string value))
               (json-number x))))
        ((list? value) (json-array (map scheme->json value)))
        (else (json-string (object->string value)))))

;;;
;;; Locations.
;;;

(define (source->alist source)
  "Guile source properties, as an alist or a #(FILE LINE COLUMN) vector, as
an alist; #f when there are none."
  (cond ((vector? source)
         `((filename . ,(vector-ref source 0))
           (line . ,(vector-ref source 1))
           (column . ,(vector-ref source 2))))
        ((and (pair? source) (assq 'line source)) source)
        (else #f)))

(define (location-json file loaded source)
  "SOURCE (0-based Guile source properties) as a 1-based JSON location.  The
file is reported as FILE, the name given on the command line, when it is the
file that was loaded (LOADED), else as Guile recorded it."
  (match (source->alist source)
    (#f "null")
    (props
     (let ((name (assq-ref props 'filename)))
       (json-object
        `(("file" . ,(json-string (if (or (not name) (equal? name loaded))
                                      file
                                      name)))
          ("line" . ,(number->string (+ 1 (assq-ref props 'line))))
          ("column" . ,(number->string (+ 1 (assq-ref props 'column))))))))))

;;;
;;; Loading.
;;;

(define (make-machines-module)
  (let ((module (make-fresh-user-module)))
    (module-use! module (resolve-interface '(guix scripts offload)))
    module))

(define (absolute file)
  (if (absolute-file-name? file)
      file
      (string-append (getcwd) "/" file)))

(define (load-machines-file loaded)
  "Evaluate LOADED as Guix does and return the value of its last form."
  (let ((here (getcwd)))
    (dynamic-wind
      (lambda () (chdir (dirname loaded)))
      (lambda ()
        ;; What the file prints (format's error reports, display) is not part of the report.
        (with-output-to-port (%make-void-port "w")
          (lambda ()
            (save-module-excursion
             (lambda ()
               (set-current-module (make-machines-module))
               (primitive-load loaded))))))
      (lambda () (chdir here)))))

(define (format-message fmt args)
  (if (and (string? fmt) (list? args))
      (catch #t
        (lambda () (apply format #f fmt args))
        (lambda _ fmt))
      (object->string fmt)))

(define (error-report file loaded key args)
  "The (CODE MESSAGE LOCATION-JSON) of the error KEY/ARGS thrown while
loading LOADED."
  (match (cons key args)
    (('syntax-error who message source form subform)
     (list (error-code key args)
           (if who (format #f "~a: ~a" who message) message)
           (location-json file loaded source)))
    (('read-error _ message fargs _)
     (match (string-match "^(.*):([0-9]+):([0-9]+): (.*)$" message)
       (#f (list "read-error" (format-message message fargs) "null"))
       (m (list "read-error"
                (format-message (match:substring m 4) fargs)
                (json-object
                 `(("file" . ,(json-string
                               (if (equal? (match:substring m 1) loaded)
                                   file
                                   (match:substring m 1))))
                   ("line" . ,(match:substring m 2))
                   ("column" . ,(match:substring m 3))))))))
    ((key subr fmt fargs . _)
     (list (error-code key args) (format-message fmt fargs) "null"))
    ((key . rest)
     (list (error-code key args) (object->string rest) "null"))))

;;;
;;; Reports.
;;;

(define (machine-json machine file loaded)
  (define fields (build-machine-fields machine))
  (define (field name) (assq-ref fields name))
  (let* ((systems (field 'systems))
         (system (field 'system))
         (effective (cond (systems systems)
                          (system (list system))
                          (else '()))))
    (json-object
     `(("name" . ,(scheme->json (field 'name)))
       ("port" . ,(scheme->json (field 'port)))
       ("systems" . ,(scheme->json effective))
       ("user" . ,(scheme->json (field 'user)))
       ("host-key" . ,(scheme->json (field 'host-key)))
       ("private-key" . ,(scheme->json (field 'private-key)))
       ("compression" . ,(scheme->json (field 'compression)))
       ("compression-level"
        . ,(scheme->json (field 'compression-level)))
       ("daemon-socket" . ,(scheme->json (field 'daemon-socket)))
       ("overload-threshold"
        . ,(scheme->json (field 'overload-threshold)))
       ("parallel-builds"
        . ,(scheme->json (field 'parallel-builds)))
       ("speed" . ,(scheme->json (field 'speed)))
       ("features" . ,(scheme->json (field 'features)))
       ("location"
        . ,(location-json file loaded (field 'location)))))))

(define (warning-json code message location)
  (json-object `(("code" . ,(json-string code))
                 ("message" . ,(json-string message))
                 ("location" . ,location))))

(define (list-of-strings? value)
  (and (list? value) (every string? value)))

(define field-types
  ;; What each field must hold for Guix to use the machine without failing,
  ;; in the order offload checks them (after `systems').
  `((name . ,string?)
    (port . ,number?)
    (user . ,string?)
    (host-key . ,string?)
    (private-key . ,(lambda (v) (or (not v) (string? v))))
    (compression . ,string?)
    (compression-level . ,number?)
    (daemon-socket . ,string?)
    (overload-threshold . ,(lambda (v) (or (not v) (number? v))))
    (parallel-builds . ,number?)
    (speed . ,number?)
    (features . ,list-of-strings?)))

(define (type-warning field index location)
  (json-object `(("code" . ,(json-string "wrong-field-type"))
                 ("message" . ,(json-string (format #f "field ~a has the wrong type" field)))
                 ("location" . ,location)
                 ("field" . ,(json-string (symbol->string field)))
                 ("machine" . ,(number->string index)))))

(define (machine-warnings machine index file loaded)
  "Warnings for MACHINE, the INDEXth of the list: what Guix would say when
matching it against a request (the deprecated `system' field, or no system
at all: Guix then prints the same deprecation warning and never uses the
machine), then each field whose value has a type Guix cannot use."
  (define fields (build-machine-fields machine))
  (define (field name) (assq-ref fields name))
  (let ((location (location-json file loaded (field 'location)))
        (name (field 'name)))
    (append
     (cond ((field 'systems)
            (if (list-of-strings? (field 'systems))
                '()
                (list (type-warning 'systems index location))))
           ((field 'system)
            (list (warning-json
                   "deprecated-system"
                   "The 'system' field is deprecated, please use 'systems' instead."
                   location)))
           (else
            (list (warning-json
                   "missing-systems"
                   (format #f "build machine '~a' has neither 'systems' nor 'system'; Guix never uses it"
                           name)
                   location))))
     (filter-map (match-lambda
                   ((name . valid?)
                    (and (not (valid? (field name)))
                         (type-warning name index location))))
                 field-types))))

(define (missing-file-report file args)
  "Guix's `build-machines' turns ENOENT into an empty machine list; we report
it as a warning naming the missing file (the name given to `open-file')."
  (let ((missing (match args
                   ((_ _ (_ name . _) . _) name)
                   (_ file))))
    (json-object
     `(("file" . ,(json-string file))
       ("machines" . "[]")
       ("warnings"
        . ,(json-array
            (list (json-object
                   `(("code" . ,(json-string "missing-file"))
                     ("message" . ,(json-string (format #f "~a does not exist" missing)))
                     ("location" . "null")
                     ("file" . ,(json-string missing)))))))))))

(define (report file)
  "The JSON report for FILE, as a string."
  (let ((loaded (absolute file)))
    (catch #t
      (lambda ()
        (unless (file-exists? loaded)
          (throw 'system-error "open-file" "~A: ~S"
                 (list (strerror ENOENT) file) (list ENOENT)))
        (let ((value (load-machines-file loaded)))
          (if (and (list? value) (every build-machine? value))
              (json-object
               `(("file" . ,(json-string file))
                 ("machines"
                  . ,(json-array (map (lambda (m) (machine-json m file loaded))
                                      value)))
                 ("warnings"
                  . ,(json-array
                      (append-map (lambda (m index) (machine-warnings m index file loaded))
                                  value (iota (length value)))))))
              (json-object
               `(("file" . ,(json-string file))
                 ("machines" . "[]")
                 ("warnings"
                  . ,(json-array
                      (list (warning-json
                             "not-a-list"
                             (format #f "'~a' did not return a list of build machines; ignoring it"
                                     file)
                             "null")))))))))
      (lambda (key . args)
        (if (and (eq? key 'system-error) (enoent? args))
            (missing-file-report file args)
            (match (error-report file loaded key args)
          ((code message location)
           (json-object
            `(("file" . ,(json-string file))
              ("error" . ,(json-object
                           `(("code" . ,(json-string code))
                             ("message" . ,(json-string message))
                             ("location" . ,location)))))))))))))

(match (cdr (command-line))
  (("--batch" files ...)
   (for-each (lambda (file)
               (display (report file))
               (newline)
               (force-output))
             files))
  ((file)
   (display (report file))
   (newline))
  (_
   (format (current-error-port)
           "usage: guile --no-auto-compile -s show.scm [--batch] FILE...~%")
   (exit 2)))
