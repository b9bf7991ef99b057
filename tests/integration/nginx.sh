# A Debian nginx for integration tests, started once and never stopped
# while the test runs. Its master process stays in the foreground. Source
# this file after lib.sh. Everything it writes stays in $WORK/nginx: the
# config, the pid file, and the error and access logs.
#
#	. "$TESTS_DIR/lib.sh"
#	. "$TESTS_DIR/nginx.sh"
#	nginx_start
#	"$KEEPCERT" nginx-snippet ... > "$NGINX_ACME_CONF"; nginx_reload
#
# Functions:
#   nginx_start        write the config and start nginx: a port-80 server
#                      on 127.0.0.1:$NGINX_HTTP_PORT that includes
#                      $NGINX_ACME_CONF (empty at first), denies paths
#                      with a dot segment and redirects everything else to
#                      https, as a typical site does.
#   nginx_reload       send the master SIGHUP ("nginx -s reload") and wait
#                      until new workers run and the old ones stop accepting.
#   nginx_enable_tls DIR
#                      add a TLS server on 127.0.0.1:$NGINX_TLS_PORT
#                      serving DIR/fullchain.pem and DIR/privkey.pem, and reload.
#   nginx_served_serial NAME
#                      print the serial of the certificate served for NAME
#                      (SNI), read with openssl s_client.
#   nginx_master_pid   print the master's PID from the pid file.
#
# Results, after nginx_start: NGINX_HTTP_PORT, NGINX_TLS_PORT, NGINX_ACME_CONF.

nginx_dir=$WORK/nginx

nginx_write_config() {
	mkdir -p "$nginx_dir/tmp"
	cat > "$nginx_dir/nginx.conf" <<-EOF
	daemon off;
	worker_processes 1;
	pid $nginx_dir/nginx.pid;
	error_log $nginx_dir/error.log notice;
	events { worker_connections 64; }
	http {
	    access_log $nginx_dir/access.log;
	    client_body_temp_path $nginx_dir/tmp/body;
	    proxy_temp_path $nginx_dir/tmp/proxy;
	    fastcgi_temp_path $nginx_dir/tmp/fastcgi;
	    uwsgi_temp_path $nginx_dir/tmp/uwsgi;
	    scgi_temp_path $nginx_dir/tmp/scgi;
	    default_type application/octet-stream;

	    server {
	        listen 127.0.0.1:$NGINX_HTTP_PORT;
	        server_name _;
	        # A common rule that a plain regex location for the tokens would lose to.
	        location ~ /\\. {
	            deny all;
	        }
	        include $NGINX_ACME_CONF;
	        location / {
	            return 301 https://\$host\$request_uri;
	        }
	    }
	    include $nginx_dir/tls.conf;
	}
	EOF
}

nginx_start() {
	NGINX_HTTP_PORT=${NGINX_HTTP_PORT:-$(free_port)}
	NGINX_TLS_PORT=${NGINX_TLS_PORT:-$(free_port)}
	NGINX_ACME_CONF=$nginx_dir/acme.conf
	export NGINX_HTTP_PORT NGINX_TLS_PORT NGINX_ACME_CONF

	# When the test runs as root, the workers run as the user "nobody", which must reach the webroot.
	chmod 755 "$WORK"
	mkdir -p "$nginx_dir"
	: > "$NGINX_ACME_CONF"
	: > "$nginx_dir/tls.conf"
	nginx_write_config
	nginx -t -q -p "$nginx_dir" -c "$nginx_dir/nginx.conf" -e "$nginx_dir/error.log" \
		|| { cat "$nginx_dir/error.log" >&2; fail "nginx: the test config is invalid"; }
	start_bg nginx nginx -p "$nginx_dir" -c "$nginx_dir/nginx.conf" -e "$nginx_dir/error.log"
	wait_port "$NGINX_HTTP_PORT"
}

nginx_reload() {
	local before i

	# The master logs "reconfiguring", starts new workers, then signals the old ones to stop accepting.
	before=$(wc -l < "$nginx_dir/error.log")
	nginx -q -p "$nginx_dir" -c "$nginx_dir/nginx.conf" -e "$nginx_dir/error.log" -s reload \
		|| fail "nginx -s reload failed"
	for i in $(seq 50); do
		tail -n +"$((before + 1))" "$nginx_dir/error.log" |
			awk '/reconfiguring/ { r = 1 } r && /start worker process/ { w = 1 }
			     w && /gracefully shutting down/ { found = 1 } END { exit !found }' && return 0
		sleep 0.1
	done
	cat "$nginx_dir/error.log" >&2
	fail "nginx: the reload did not finish within 5s"
}

nginx_enable_tls() {
	local dir=$1

	cat > "$nginx_dir/tls.conf" <<-EOF
	server {
	    listen 127.0.0.1:$NGINX_TLS_PORT ssl;
	    server_name _;
	    ssl_certificate $dir/fullchain.pem;
	    ssl_certificate_key $dir/privkey.pem;
	    location / { return 200 "ok\n"; }
	}
	EOF
	nginx_reload
}

nginx_served_serial() {
	openssl s_client -connect "127.0.0.1:$NGINX_TLS_PORT" -servername "$1" < /dev/null 2> /dev/null |
		openssl x509 -noout -serial 2> /dev/null | sed 's/^serial=//'
}

nginx_master_pid() {
	cat "$nginx_dir/nginx.pid"
}
