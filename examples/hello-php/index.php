<?php
// Served by php-fpm behind httpd, as CF's php buildpack serves it.
header('Content-Type: text/plain');
echo getenv('GREETING') ?: 'hello CF summit';
