package hello;

import jakarta.servlet.annotation.WebServlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;

/** The app's root: a servlet in a WAR, run by Tomcat as CF's java buildpack runs it. */
@WebServlet("")
public class HelloServlet extends HttpServlet {
  @Override
  protected void doGet(HttpServletRequest req, HttpServletResponse res) throws IOException {
    String greeting = System.getenv().getOrDefault("GREETING", "hello CF summit");
    res.setContentType("text/plain");
    res.getWriter().print(greeting);
  }
}
