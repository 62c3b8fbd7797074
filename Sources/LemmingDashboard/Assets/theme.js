// Applies the remembered theme before the first paint (a classic script: the CSP allows no inline one).
(function () {
  try {
    var theme = localStorage.getItem("lemming.theme");
    if (theme === "light" || theme === "dark") document.documentElement.dataset.theme = theme;
  } catch (error) { /* storage disabled: the system's theme */ }
})();
