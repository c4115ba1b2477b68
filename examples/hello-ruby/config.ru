# A rack app: CF's ruby buildpack starts it with `bundle exec rackup config.ru -p $PORT`.
greeting = ENV.fetch('GREETING', 'hello CF summit')
run lambda { |_env| [200, { 'content-type' => 'text/plain' }, [greeting]] }
