;; An example /etc/guix/machines.scm, as Guix reads it.
;; Try:  ./bin/offload show examples/machines.scm
;;       ./bin/offload lint examples/machines.scm

(define %key-dir "/etc/guix/offload-keys")

(define fast-box
  (build-machine
    (name "fast.example.org")
    (systems (list "x86_64-linux" "i686-linux"))
    (user "offload")
    (host-key "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIIkqSLni8KQqtAS6lMphPW3Nlpi0wf2bwizs590BDzAe root@fast")
    (private-key (string-append %key-dir "/id_ed25519"))
    (parallel-builds 4)
    (speed 2.)))                        ; twice as fast as the others

(list fast-box
      ;; Same hardware, another port: inherit everything but the name and port.
      (build-machine
        (inherit fast-box)
        (name "fast-tunnel.example.org")
        (port 2222))
      (build-machine
        (name "arm.example.org")
        (systems '("aarch64-linux" "armhf-linux"))
        (user "offload")
        (host-key "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAICmO+ClMWQ7x7GYdiINqbYH7RkRebo2MwryXaNoBndzb root@arm")
        (private-key (string-append %key-dir "/id_ed25519"))
        (features '("big-memory"))
        (overload-threshold 0.9)))
