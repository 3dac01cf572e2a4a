"""The browser front end's shell: the page that loads the single-page app built in frontend/."""
