;;; A stand-in for the `build-machine' record of Guix's (guix scripts offload),
;;; written for this project's differential tests.  It follows the rules of
;;; Guix's `define-record-type*' as documented in
;;; ../shared/reference/guix-offload.md §1-3:
;;;
;;;   - `(field value)' clauses in any order, bound like `let*', so a later
;;;     clause may use an earlier field by name;
;;;   - `(inherit EXPR)' only as the first clause; every field not given is
;;;     copied from EXPR except the innate `location';
;;;   - four expansion-time errors, raised with `syntax-violation' and checked
;;;     in this order: invalid field specifier, duplicate field initializer
;;;     (plain form only), extraneous field initializers, missing field
;;;     initializers (in declaration order);
;;;   - defaults as in current Guix, evaluated afresh at each construction.
;;;
;;; The module is named like the Guix one so that machines files that say
;;; `#:use-module (guix scripts offload)' or `(use-modules (guix scripts
;;; offload))' load unchanged.  It exports what Guix exports: not the accessors
;;; for speed, parallel-builds, compression-level, the deprecated system field
;;; and build-requirements' fields;
;;; the test driver reads them with `(@@ (guix scripts offload)
;;; build-machine-fields)'.

(define-module (guix scripts offload)
  #:use-module (srfi srfi-1)
  #:use-module (srfi srfi-9)
  ;; Guix's offload module (and (guix ui)) use (ice-9 format), and loading it
  ;; replaces `format' in the root module: in a real `guix offload' process,
  ;; machines files get the full `format' (~d, ~5a, ...), not simple-format.
  #:use-module (ice-9 format)
  #:export (build-machine
            build-machine?
            build-machine-name
            build-machine-port
            build-machine-systems
            build-machine-user
            build-machine-private-key
            build-machine-host-key
            build-machine-compression
            build-machine-daemon-socket
            build-machine-overload-threshold
            build-machine-features
            build-machine-location
            build-requirements
            build-requirements?))

(define-record-type <build-machine>
  (make-build-machine name port systems system user private-key host-key
                      compression compression-level daemon-socket
                      overload-threshold parallel-builds speed features
                      location)
  build-machine?
  (name               build-machine-name)
  (port               build-machine-port)
  (systems            %build-machine-systems)
  (system             %build-machine-system)
  (user               build-machine-user)
  (private-key        build-machine-private-key)
  (host-key           build-machine-host-key)
  (compression        build-machine-compression)
  (compression-level  build-machine-compression-level)
  (daemon-socket      build-machine-daemon-socket)
  (overload-threshold build-machine-overload-threshold)
  (parallel-builds    build-machine-parallel-builds)
  (speed              build-machine-speed)
  (features           build-machine-features)
  (location           build-machine-location))

(define-record-type <build-requirements>
  (make-build-requirements system features)
  build-requirements?
  (system   build-requirements-system)
  (features build-requirements-features))

(define (build-machine-systems machine)
  "The systems MACHINE builds for: `systems' when set, else the deprecated
`system' in a one-element list (Guix warns at that point; the test driver
reports that warning itself)."
  (or (%build-machine-systems machine)
      (list (%build-machine-system machine))))

(define (build-machine-fields machine)
  "All fields of MACHINE, raw, as an alist keyed by field name (for the test
driver, which needs the fields Guix does not export)."
  `((name . ,(build-machine-name machine))
    (port . ,(build-machine-port machine))
    (systems . ,(%build-machine-systems machine))
    (system . ,(%build-machine-system machine))
    (user . ,(build-machine-user machine))
    (private-key . ,(build-machine-private-key machine))
    (host-key . ,(build-machine-host-key machine))
    (compression . ,(build-machine-compression machine))
    (compression-level . ,(build-machine-compression-level machine))
    (daemon-socket . ,(build-machine-daemon-socket machine))
    (overload-threshold . ,(build-machine-overload-threshold machine))
    (parallel-builds . ,(build-machine-parallel-builds machine))
    (speed . ,(build-machine-speed machine))
    (features . ,(build-machine-features machine))
    (location . ,(build-machine-location machine))))

(eval-when (expand load eval)
  ;; A field description is (NAME KIND DEFAULT): KIND is `required',
  ;; `default' (DEFAULT is the syntax of the default expression) or `innate'
  ;; (DEFAULT is a procedure from the constructor form to that syntax).

  (define (clause? clause)
    "True when CLAUSE has the shape (FIELD VALUE)."
    (syntax-case clause ()
      ((_ _) #t)
      (_ #f)))

  (define (clause-name clause)
    (syntax-case clause ()
      ((name _) (syntax->datum #'name))))

  (define (clause-identifier clause)
    (syntax-case clause ()
      ((name _) #'name)))

  (define (inherit-clause? clause)
    (syntax-case clause ()
      ((head _) (and (identifier? #'head)
                     (eq? (syntax->datum #'head) 'inherit)))
      (_ #f)))

  (define (inherit-clause-expression clause)
    (syntax-case clause ()
      ((_ expression) #'expression)))

  (define (field-names fields)
    (map car fields))

  (define (default-syntax form field)
    (let ((kind (cadr field))
          (default (caddr field)))
      (if (eq? kind 'innate)
          (default form)
          default)))

  (define (check-field-specifiers who form clauses)
    ;; The first clause that is not (FIELD VALUE) is reported; the whole
    ;; form is passed too, because a bare identifier has no source location.
    (let ((weird (find (negate clause?) clauses)))
      (when weird
        (syntax-violation who "invalid field specifier" form weird))))

  (define (check-duplicates who clauses)
    (let loop ((clauses clauses) (seen '()))
      (unless (null? clauses)
        (let ((name (clause-name (car clauses))))
          (if (memq name seen)
              (syntax-violation who "duplicate field initializer"
                                (car clauses))
              (loop (cdr clauses) (cons name seen)))))))

  (define (check-extraneous who form names fields)
    (let ((extraneous (remove (lambda (name) (memq name (field-names fields)))
                              names)))
      (unless (null? extraneous)
        (syntax-violation who
                          (format #f "extraneous field initializers ~a"
                                  extraneous)
                          form))))

  (define (check-missing who form names fields)
    (let ((missing (filter-map (lambda (field)
                                 (and (eq? (cadr field) 'required)
                                      (not (memq (car field) names))
                                      (car field)))
                               fields)))
      (unless (null? missing)
        (syntax-violation who
                          (format #f "missing field initializers ~a" missing)
                          form))))

  (define (given-identifier clauses name)
    ;; The identifier bound by `let*' for NAME.  When a name is given twice
    ;; (allowed after `inherit'), the reference sees the last binding.
    (let ((clause (find (lambda (clause) (eq? (clause-name clause) name))
                        clauses)))
      (and clause (clause-identifier clause))))

  (define (bindings clauses)
    (map (lambda (clause)
           (syntax-case clause ()
             ((name value) #'(name value))))
         clauses))

  (define (form-location form)
    "The source location of FORM as an alist with 0-based line and column, as
Guile records it, or #f."
    (let ((source (syntax-source form)))
      (cond ((vector? source)
             `((filename . ,(vector-ref source 0))
               (line . ,(vector-ref source 1))
               (column . ,(vector-ref source 2))))
            ((pair? source) source)
            (else #f))))

  (define (expand-record-constructor who form make fields accessors)
    "Expand FORM, a use of the syntactic constructor WHO.  MAKE is the
positional constructor; ACCESSORS the field accessors in declaration order."
    (syntax-case form ()
      ((_ clause ...)
       (let ((clauses #'(clause ...)))
         (check-field-specifiers who form clauses)
         (if (and (pair? clauses) (inherit-clause? (car clauses)))
             (let* ((given (cdr clauses))
                    (names (map clause-name given)))
               (check-extraneous who form names fields)
               (with-syntax ((((name value) ...) (bindings given))
                             (parent (inherit-clause-expression (car clauses))))
                 #`(let* ((name value) ...)
                     (let ((inherited parent))
                       (#,make
                        #,@(map (lambda (field accessor)
                                  (or (given-identifier given (car field))
                                      (if (eq? (cadr field) 'innate)
                                          (default-syntax form field)
                                          #`(#,accessor inherited))))
                                fields accessors))))))
             (let ((names (map clause-name clauses)))
               (check-duplicates who clauses)
               (check-extraneous who form names fields)
               (check-missing who form names fields)
               (with-syntax ((((name value) ...) (bindings clauses)))
                 #`(let* ((name value) ...)
                     (#,make
                      #,@(map (lambda (field)
                                (or (given-identifier clauses (car field))
                                    (default-syntax form field)))
                              fields)))))))))))

(define-syntax build-machine
  (lambda (form)
    (expand-record-constructor
     'build-machine form #'make-build-machine
     `((name required #f)
       (port default ,#'22)
       (systems default ,#'#f)
       (system default ,#'#f)
       (user required #f)
       (private-key default
                    ,#'(let ((home (getenv "HOME")))
                         (and home (string-append home "/.ssh/id_rsa"))))
       (host-key required #f)
       (compression default ,#'"zlib@openssh.com,zlib")
       (compression-level default ,#'3)
       (daemon-socket default ,#'"/var/guix/daemon-socket/socket")
       (overload-threshold default ,#'0.8)
       (parallel-builds default ,#'1)
       (speed default ,#'1.0)
       (features default ,#''())
       (location innate
                 ,(lambda (form)
                    #`(quote #,(datum->syntax form (form-location form))))))
     (list #'build-machine-name #'build-machine-port #'%build-machine-systems
           #'%build-machine-system #'build-machine-user
           #'build-machine-private-key #'build-machine-host-key
           #'build-machine-compression #'build-machine-compression-level
           #'build-machine-daemon-socket #'build-machine-overload-threshold
           #'build-machine-parallel-builds #'build-machine-speed
           #'build-machine-features #'build-machine-location))))

(define-syntax build-requirements
  (lambda (form)
    (expand-record-constructor
     'build-requirements form #'make-build-requirements
     `((system required #f)
       (features default ,#''()))
     (list #'build-requirements-system #'build-requirements-features))))
