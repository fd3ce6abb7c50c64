// /admin/models while a training job is queued or running: ask the server every few seconds and
// reload the page when the job's state or stage changed (so a finished candidate's row, or the
// error of a failed run, appears without the administrator reloading by hand).
const box = document.getElementById("training");
if (box && box.dataset.poll) {
  const poll = async () => {
    try {
      const response = await fetch(box.dataset.poll, {
        headers: { Accept: "application/json" }, credentials: "same-origin",
      });
      if (response.ok) {
        const { state, stage } = await response.json();
        if (state !== box.dataset.state || (stage || "") !== box.dataset.stage) {
          window.location.reload();
          return;
        }
      }
    } catch (error) {
      // A dropped connection or a restarting server: try again on the next tick.
    }
    window.setTimeout(poll, 3000);
  };
  window.setTimeout(poll, 3000);
}
