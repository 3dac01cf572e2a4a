// An instructor's controls over a lab: publishing it, changing its title, instructions, goals
// and sharing (or taking its start again from the source topology), and deleting it.
import { useState } from "react";
import { labsApi, type Lab } from "../../api/labs";
import { CreateForm, TextField, useFields } from "../project/form";
import { problemsOf } from "../project/helpers";
import { Alert } from "../project/section";
import { ConfirmButton } from "./ConfirmButton";
import { GoalHelp, TextArea } from "./MakeLab";

export function LabSettings({ lab, onChanged }: { lab: Lab; onChanged: (lab: Lab) => void }) {
  const [busy, setBusy] = useState(false);
  const [problems, setProblems] = useState<string[] | undefined>();
  const run = async (action: () => Promise<void>) => {
    setBusy(true);
    setProblems(undefined);
    try {
      await action();
    } catch (caught) {
      setProblems(Object.values(problemsOf(caught, () => null)).flat());
    } finally {
      setBusy(false);
    }
  };
  const publish = () =>
    run(async () => onChanged(await labsApi.updateLab(lab.id, { published: !lab.published })));
  const remove = () =>
    run(async () => {
      await labsApi.deleteLab(lab.id);
      window.location.assign("/app/labs/");
    });
  return (
    <div className="lab-settings">
      <p>
        {lab.published
          ? "Published: enrolled students see this lab and may start it."
          : "Draft: students do not see this lab yet."}{" "}
        <button type="button" onClick={() => void publish()} disabled={busy}>
          {lab.published ? "Unpublish" : "Publish"}
        </button>{" "}
        <ConfirmButton
          label="Delete lab"
          question="Delete this lab? Students keep their copies as topologies."
          yes="Delete"
          disabled={busy}
          onConfirm={() => void remove()}
        />
      </p>
      <Alert messages={problems} />
      <details className="lab-change">
        <summary>Change this lab</summary>
        <ChangeLabForm key={lab.updated_at} lab={lab} onChanged={onChanged} />
      </details>
    </div>
  );
}

function ChangeLabForm({ lab, onChanged }: { lab: Lab; onChanged: (lab: Lab) => void }) {
  const form = useFields({ title: lab.title, instructions: lab.instructions, goals: lab.goals });
  const [shared, setShared] = useState(lab.shared);
  const [retake, setRetake] = useState(false);
  const save = () =>
    void form.submit(async () => {
      const changes = { ...form.values, ...(shared !== lab.shared ? { shared } : {}) };
      onChanged(
        await labsApi.updateLab(lab.id, { ...changes, ...(retake ? { retake_start: true } : {}) }),
      );
    });
  return (
    <CreateForm
      id="change-lab"
      title="Change the lab"
      button="Save lab"
      form={form}
      onSubmit={save}
    >
      <TextField id="change-title" label="Title" {...form.bind("title")} required />
      <TextArea
        id="change-instructions"
        label="Instructions (Markdown)"
        {...form.bind("instructions")}
      />
      <TextArea
        id="change-goals"
        label="Goals (one per line)"
        describedBy="change-goal-help"
        {...form.bind("goals")}
      />
      <GoalHelp id="change-goal-help" />
      <label className="check">
        <input type="checkbox" checked={shared} onChange={(e) => setShared(e.target.checked)} />{" "}
        Shared workspace (only before any student starts)
      </label>
      <label className="check">
        <input type="checkbox" checked={retake} onChange={(e) => setRetake(e.target.checked)} />{" "}
        Take the start again from the source topology's latest revision (for copies started or reset
        from now on)
      </label>
    </CreateForm>
  );
}
